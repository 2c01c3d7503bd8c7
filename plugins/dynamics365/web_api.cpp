// Dataverse Web API calls: standard headers, and turning exchanges into statuses.
#include "web_api.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <utility>

namespace switchboard::dynamics365 {
namespace {

namespace json = boost::json;

char lower(char c) noexcept { return sdk::http_response::ascii_lower(c); }

bool icontains(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

/// Dataverse's {"error":{"code","message"}}, when the body has it.
struct service_error {
  std::string code;
  std::string message;
};

service_error read_service_error(const std::string& body) {
  service_error out;
  boost::system::error_code ec;
  const auto parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    if (const auto* error = parsed.get_object().if_contains("error");
        error != nullptr && error->is_object()) {
      const auto& e = error->get_object();
      if (const auto* code = e.if_contains("code"); code != nullptr && code->is_string()) {
        out.code = std::string(code->get_string());
      }
      if (const auto* message = e.if_contains("message");
          message != nullptr && message->is_string()) {
        out.message = std::string(message->get_string());
      }
      return out;
    }
  }
  // Not Dataverse's error shape (a gateway page?): a short, single-line excerpt.
  std::string excerpt = body.substr(0, 200);
  std::replace_if(
      excerpt.begin(), excerpt.end(), [](char c) { return c == '\r' || c == '\n' || c == '\t'; },
      ' ');
  out.message = excerpt.empty() ? "no error body" : excerpt;
  return out;
}

bool is_expiry(const service_error& e, bool delta) {
  if (e.code == expired_version_stamp_code) return true;
  if (icontains(e.message, "version stamp") && icontains(e.message, "expired")) return true;
  // Reference §6: any failure on a delta link that mentions expiry means a full resync.
  return delta && icontains(e.message, "expire");
}

}  // namespace

bool starts_with_https(std::string_view url) noexcept {
  constexpr std::string_view scheme = "https://";
  if (url.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (lower(url[i]) != scheme[i]) return false;
  }
  return true;
}

std::string origin_of(std::string_view url) {
  if (!starts_with_https(url)) return {};
  const auto end = url.find_first_of("/?#", 8);
  std::string origin(url.substr(0, end));
  std::transform(origin.begin(), origin.end(), origin.begin(), lower);
  if (origin.size() > 4 && origin.ends_with(":443")) origin.resize(origin.size() - 4);
  return origin;
}

bool same_environment(std::string_view a, std::string_view b) {
  const auto origin_a = origin_of(a);
  const auto origin_b = origin_of(b);
  if (origin_a.empty() || origin_b.empty()) return false;
  if (origin_a == origin_b) return true;
  const auto split = [](std::string_view origin) {
    const auto host_port = origin.substr(8);
    const auto colon = host_port.find(':');
    return std::pair{host_port.substr(0, colon), colon == std::string_view::npos
                                                     ? std::string_view{}
                                                     : host_port.substr(colon)};
  };
  const auto [host_a, port_a] = split(origin_a);
  const auto [host_b, port_b] = split(origin_b);
  constexpr std::string_view domain = ".dynamics.com";
  if (port_a != port_b || !host_a.ends_with(domain) || !host_b.ends_with(domain)) return false;
  const auto org_a = host_a.substr(0, host_a.find('.'));
  return !org_a.empty() && org_a == host_b.substr(0, host_b.find('.'));
}

std::string_view path_of(std::string_view url) noexcept {
  const auto start = starts_with_https(url) ? url.find('/', 8) : 0;
  if (start == std::string_view::npos) return "/";
  const auto rest = url.substr(start);
  return rest.substr(0, rest.find_first_of("?#"));
}

web_api::web_api(std::string url, const std::string& api_version, sdk::http_client& http,
                 sdk::token_provider& tokens, std::chrono::milliseconds timeout)
    : url_(std::move(url)),
      root_(url_ + "/api/data/" + api_version),
      http_(http),
      tokens_(tokens),
      timeout_(timeout) {}

sdk::http_request web_api::request(const std::string& url, const get_options& options) const {
  sdk::http_request r;
  r.method = "GET";
  r.url = url;
  r.timeout = timeout_;
  r.authorization = &tokens_;
  r.headers = {{"Accept", "application/json"},
               {"OData-MaxVersion", "4.0"},
               {"OData-Version", "4.0"},
               {"If-None-Match", "null"}};
  if (!options.prefer.empty()) {
    std::string prefer;
    for (const auto& p : options.prefer) prefer += (prefer.empty() ? "" : ",") + p;
    r.headers.push_back({"Prefer", std::move(prefer)});
  }
  return r;
}

api_result web_api::get(const std::string& url, const get_options& options) {
  // Links come from answers: never send the token to another host.
  if (!same_environment(url, url_)) {
    return {sdk::status::permanent(
                fmt::format("refusing to follow a link to another host than {}: {}{}", url_,
                            origin_of(url), path_of(url))),
            {}};
  }
  return interpret(url, options, http_.send(request(url, options)));
}

api_result web_api::interpret(const std::string& url, const get_options& options,
                              sdk::http_exchange exchange) {
  const auto where = fmt::format("Dataverse GET {}", path_of(url));
  if (!exchange.result) {
    return {sdk::status::error(exchange.result.kind(),
                               fmt::format("{} failed: {}", where, exchange.result.message())),
            {}};
  }
  auto& response = exchange.response;
  const int code = response.status_code;
  auto done = [code](sdk::status st, json::object body = {}) {
    return api_result{std::move(st), std::move(body), code};
  };
  if (code >= 200 && code < 300) {
    const auto* type = response.header("Content-Type");
    if (type != nullptr && icontains(*type, "text/html")) {
      // Reference §2.3: an HTML page instead of JSON is a sign-in page; renew the token.
      tokens_.invalidate();
      return done(sdk::status::retryable(fmt::format(
          "{} answered with an HTML page instead of JSON (a sign-in page?); the access token "
          "will be renewed",
          where)));
    }
    boost::system::error_code ec;
    auto parsed = json::parse(response.body, ec, options.storage);
    if (ec) {
      return done(sdk::status::retryable(fmt::format("malformed answer from {}: {} ({} bytes)",
                                                     where, ec.message(), response.body.size())));
    }
    if (!parsed.is_object()) {
      return done(sdk::status::retryable(
          fmt::format("malformed answer from {}: the body is not a JSON object", where)));
    }
    return done(sdk::status::ok(), std::move(parsed.get_object()));
  }
  const auto error = read_service_error(response.body);
  const auto text =
      fmt::format("{} returned {}{}: {}", where, code,
                  error.code.empty() ? "" : fmt::format(" ({})", error.code), error.message);
  if (code == 429 || code == 408 || code >= 500) return done(sdk::status::retryable(text));
  if (code != 401 && code != 403 && code >= 400 && is_expiry(error, options.delta)) {
    return done(sdk::status::needs_resync(text));
  }
  if (code == 401) {
    return done(sdk::status::permanent(text +
                                       " (even with a fresh access token: check the "
                                       "connection's credentials and the application user)"));
  }
  return done(sdk::status::permanent(text));
}

}  // namespace switchboard::dynamics365
