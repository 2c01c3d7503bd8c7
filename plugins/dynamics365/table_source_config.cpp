// dynamics365.table configuration: option definitions, defaults, bounds and parsing.
#include "table_source_config.hpp"

#include "web_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace switchboard::dynamics365 {
namespace {

constexpr std::string_view component_id = "dynamics365.table";

[[noreturn]] void invalid(const std::string& message) {
  throw std::invalid_argument(fmt::format("{}: {}", component_id, message));
}

/// "https://host[:port]" with an optional trailing slash; returns it without the slash.
std::string environment_url(std::string_view url) {
  const auto text = std::string(url);
  if (!starts_with_https(text)) {
    invalid(
        fmt::format("option \"url\" must be an https URL such as "
                    "\"https://org.crm.dynamics.com\", got \"{}\"",
                    text));
  }
  std::string_view rest = std::string_view(text).substr(8);
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
  return "https://" + std::string(authority);
}

bool is_logical_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_api_version(std::string_view v) {
  // v<major>.<minor>, e.g. v9.2
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

sdk::config_schema table_source_schema() {
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
      {.name = "table",
       .type = option_type::string,
       .description = "Logical name of the table to read, e.g. \"contact\"; defaults to the "
                      "mapping's source table"},
      {.name = "columns",
       .type = option_type::string_list,
       .description = "Columns to read besides the mapped ones (lookups as \"_<name>_value\" or "
                      "by logical name)",
       .default_value = boost::json::array{}},
      {.name = "page_size",
       .type = option_type::integer,
       .description = "Rows per page (Prefer: odata.maxpagesize); capped to the route's "
                      "batch_size",
       .default_value = 5000,
       .minimum = 1,
       .maximum = 5000},
      {.name = "picklists",
       .type = option_type::string,
       .description = "\"value\" hands out option-set columns as numbers only; \"label\" adds "
                      "each one's label as <column>@OData.Community.Display.V1.FormattedValue; "
                      "default: as the mapping says",
       .allowed_values = {"value", "label"}},
      {.name = "timeout_ms",
       .type = option_type::integer,
       .description = "Deadline of one Web API request in milliseconds, retries included",
       .default_value = 120000,
       .minimum = 1000,
       .maximum = 3600000},
      {.name = "mapping",
       .type = option_type::object,
       .description = "The route's table mapping (filled in by the host from the route's "
                      "\"mapping\")"},
  };
}

table_source_settings parse_table_source_settings(const sdk::options& options,
                                                  std::string_view route) {
  table_source_settings s;
  s.url = environment_url(options.string("url"));
  s.api_version = std::string(options.string("api_version"));
  if (!is_api_version(s.api_version)) {
    invalid(
        fmt::format("option \"api_version\" must look like \"v9.2\", got \"{}\"", s.api_version));
  }
  s.connection = std::string(options.string("connection"));
  if (s.connection.empty()) invalid("option \"connection\" is empty");
  s.columns = options.string_list("columns");
  for (const auto& c : s.columns) {
    if (!is_logical_name(c)) {
      invalid(fmt::format("option \"columns\": \"{}\" is not a column name", c));
    }
  }
  s.page_size = static_cast<std::size_t>(options.integer("page_size"));
  s.timeout = std::chrono::milliseconds{options.integer("timeout_ms")};
  if (options.has("mapping")) {
    s.mapping = mapping::parse_mapping(options.find("mapping")->as_object(), route);
  }
  if (options.has("table")) s.table = std::string(options.string("table"));
  if (s.mapping && !s.mapping->source_table.empty()) {
    if (!s.table.empty() && s.table != s.mapping->source_table) {
      invalid(fmt::format(
          "option \"table\" is \"{}\" but mapping \"{}\" reads table \"{}\"; drop one of them",
          s.table, s.mapping->name, s.mapping->source_table));
    }
    s.table = s.mapping->source_table;
  }
  if (s.table.empty()) {
    invalid(
        "no table to read: set option \"table\" or give the route a mapping with a source "
        "table");
  }
  if (!is_logical_name(s.table)) {
    invalid(
        fmt::format("\"{}\" is not a table logical name (lowercase letters, digits, _)", s.table));
  }
  if (options.has("picklists")) {
    s.picklist_labels = options.string("picklists") == "label";
  } else {
    s.picklist_labels = s.mapping && s.mapping->picklist_labels;
  }
  return s;
}

}  // namespace switchboard::dynamics365
