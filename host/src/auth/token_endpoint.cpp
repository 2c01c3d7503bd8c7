// Form-encoded token requests and the parsing of token and error answers.
#include "token_endpoint.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace switchboard::host::auth_detail {
namespace {

namespace json = boost::json;

bool unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void encode_into(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (unreserved(c)) {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xF];
    }
  }
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

std::string string_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// expires_in as a number or a numeric string; nullopt when absent or unreadable.
std::optional<double> number_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  if (v->is_string()) {
    try {
      std::size_t used = 0;
      double d = std::stod(std::string(v->get_string()), &used);
      if (used == v->get_string().size()) return d;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

// Quoted text on one line: Entra puts "\r\n" between the parts of error_description.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  std::string out;
  for (char c : text) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

std::string describe_error(const json::value& body) {
  if (!body.is_object()) return {};
  const auto& o = body.get_object();
  std::string error = string_field(o, "error");
  std::string description = string_field(o, "error_description");
  if (error.empty() && description.empty()) return {};
  if (description.empty()) return one_line(error);
  if (error.empty()) return one_line(description);
  return one_line(fmt::format("{}: {}", error, description));
}

}  // namespace

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    encode_into(out, name);
    out += '=';
    encode_into(out, value);
  }
  return out;
}

std::string without_trailing_slash(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

sdk::status request_token(sdk::http_client& http, const token_endpoint& endpoint,
                          const std::string& form, issued_token& token) {
  sdk::http_request request;
  request.method = "POST";
  request.url = endpoint.url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = form;
  request.timeout = endpoint.timeout;
  const sdk::http_exchange answer = http.send(request);
  if (!answer.result) {
    return sdk::status::error(answer.result.kind(),
                              fmt::format("{} token request failed: {}", endpoint.service,
                                          redact(answer.result.message(), endpoint.secrets)));
  }
  const int code = answer.response.status_code;
  boost::system::error_code ec;
  const json::value body = json::parse(answer.response.body, ec);
  if (code != 200) {
    std::string reason = ec ? std::string() : redact(describe_error(body), endpoint.secrets);
    if (reason.empty()) {
      reason = fmt::format("no error description ({} bytes of body)", answer.response.body.size());
    }
    std::string message = fmt::format("{} token endpoint {} answered {}: {}", endpoint.service,
                                      endpoint.url, code, reason);
    if (code == 429 || code >= 500) return sdk::status::retryable(std::move(message));
    return sdk::status::permanent(std::move(message));
  }
  if (ec || !body.is_object()) {
    return sdk::status::retryable(
        fmt::format("{} token endpoint {} answered 200 without a JSON "
                    "object: {}",
                    endpoint.service, endpoint.url, ec ? ec.message() : "not an object"));
  }
  const auto& o = body.get_object();
  token.access_token = string_field(o, "access_token");
  if (token.access_token.empty()) {
    return sdk::status::permanent(
        fmt::format("{} token endpoint {} answered 200 without an "
                    "access_token",
                    endpoint.service, endpoint.url));
  }
  double expires_in = number_field(o, "expires_in").value_or(3600);
  if (!std::isfinite(expires_in) || expires_in <= 0) {
    return sdk::status::permanent(
        fmt::format("{} token endpoint {} answered an invalid "
                    "expires_in",
                    endpoint.service, endpoint.url));
  }
  if (endpoint.large_expires_in_is_ms && expires_in > 1e6) expires_in /= 1000;
  token.lifetime = std::chrono::seconds(static_cast<std::int64_t>(std::min(expires_in, 1e9)));
  return sdk::status::ok();
}

void require(std::string_view what, std::string_view field, std::string_view value) {
  if (value.empty()) throw std::invalid_argument(fmt::format("{}: {} is empty", what, field));
}

}  // namespace switchboard::host::auth_detail
