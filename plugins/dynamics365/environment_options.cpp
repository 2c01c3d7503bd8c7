// Environment options shared by the dynamics365 components.
#include "environment_options.hpp"

#include "web_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace switchboard::dynamics365 {
namespace {

/// v<major>.<minor>, e.g. v9.2
bool is_api_version(std::string_view v) noexcept {
  if (v.size() < 4 || v[0] != 'v') return false;
  const auto dot = v.find('.');
  if (dot == std::string_view::npos || dot < 2 || dot + 1 == v.size()) return false;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (i == dot) continue;
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

}  // namespace

sdk::config_schema environment_schema() {
  using sdk::option_type;
  return {
      {.name = "url",
       .type = option_type::string,
       .description = "Environment URL, https only, e.g. \"https://org.crm.dynamics.com\" "
                      "(usually set in the connection's options)",
       .required = true},
      {.name = "api_version",
       .type = option_type::string,
       .description = "Web API version segment of the URLs",
       .default_value = "v9.2"},
      {.name = "connection",
       .type = option_type::string,
       .description = "Name of the tenant connection whose auth gives the access tokens "
                      "(set it in that connection's options to the connection's own name)",
       .default_value = "dynamics365"},
      {.name = "timeout_ms",
       .type = option_type::integer,
       .description = "Deadline of one Web API request in milliseconds, retries included",
       .default_value = 120000,
       .minimum = 1000,
       .maximum = 3600000},
  };
}

environment_settings parse_environment_settings(std::string_view component,
                                                const sdk::options& options) {
  const auto invalid = [component](const std::string& message) {
    throw std::invalid_argument(fmt::format("{}: {}", component, message));
  };
  environment_settings s;
  const std::string text(options.string("url"));
  if (!starts_with_https(text)) {
    invalid(
        fmt::format("option \"url\" must be an https URL such as "
                    "\"https://org.crm.dynamics.com\", got \"{}\"",
                    text));
  }
  const std::string_view rest = std::string_view(text).substr(8);
  const auto slash = rest.find_first_of("/?#");
  const auto authority = rest.substr(0, slash);
  const auto tail = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find_first_of(" \t\"<>\\^`{|}") != std::string_view::npos) {
    invalid(fmt::format("option \"url\" has no valid host: \"{}\"", text));
  }
  if (!tail.empty() && tail != "/") {
    invalid(
        fmt::format("option \"url\" must be the environment URL without a path (the plugin adds "
                    "/api/data/<version>/), got \"{}\"",
                    text));
  }
  s.url = "https://" + std::string(authority);
  s.api_version = std::string(options.string("api_version"));
  if (!is_api_version(s.api_version)) {
    invalid(
        fmt::format("option \"api_version\" must look like \"v9.2\", got \"{}\"", s.api_version));
  }
  s.connection = std::string(options.string("connection"));
  if (s.connection.empty()) invalid("option \"connection\" is empty");
  s.timeout = std::chrono::milliseconds{options.integer("timeout_ms")};
  return s;
}

bool is_logical_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 128) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace switchboard::dynamics365
