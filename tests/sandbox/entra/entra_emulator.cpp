// Entra ID token endpoint: request validation, client-secret and client-assertion checks, and
// the AADSTS error bodies the v2.0 endpoint sends.
#include "sandbox/entra/entra_emulator.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace switchboard::sandbox {
namespace json = boost::json;
using jwt::time_point;
namespace {

constexpr std::string_view jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr std::string_view docs_hint =
    " Review the documentation at "
    "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .";
constexpr std::string_view token_suffix = "/oauth2/v2.0/token";

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

/// The 7-digit fraction Entra prints in AADSTS700024: "2024-10-02T22:05:03.6750000Z".
std::string precise_time(time_point t) {
  std::string text = jwt::iso_millis(t);
  text.insert(text.size() - 1, "0000");
  return text;
}

/// "08/18/2024 19:33:23", the key validity format of AADSTS700027.
std::string key_date(time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%02d/%02d/%04d %02d:%02d:%02d", tm.tm_mon + 1, tm.tm_mday,
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

std::string without_trailing_slash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

std::string missing_parameter(std::string_view name) {
  return "The request body must contain the following parameter: '" + std::string(name) + "'.";
}

}  // namespace

/// A token-endpoint failure: HTTP status, OAuth error, AADSTS code and message.
struct entra_emulator::token_error {
  int status;
  std::string error;
  int code;
  std::string text;
};

entra_emulator::entra_emulator(token_registry& tokens, entra_options options)
    : tokens_(tokens), clock_(options.clock), options_(std::move(options)) {
  for (const auto& app : options_.apps) register_locked(app);
  options_.apps.clear();
}

void entra_emulator::register_app(const entra_app& app) {
  std::lock_guard lock(mutex_);
  register_locked(app);
}

void entra_emulator::register_locked(const entra_app& app) {
  if (app.tenant.empty() || app.client_id.empty()) {
    throw std::invalid_argument("an app needs a tenant and a client id");
  }
  registered_app entry{app, {}};
  for (const auto& pem : app.certificate_pems) {
    entry.certificates.push_back(jwt::certificate::from_pem(pem));
  }
  apps_.insert_or_assign(app.client_id, std::move(entry));
}

void entra_emulator::add_resource(std::string resource) {
  std::lock_guard lock(mutex_);
  options_.resources.push_back(without_trailing_slash(std::move(resource)));
}

std::string entra_emulator::classify(const server_request& request) const {
  const auto path = request.path();
  const bool token = path.size() >= token_suffix.size() &&
                     path.substr(path.size() - token_suffix.size()) == token_suffix;
  return request.method + (token ? " token" : " unknown");
}

server_reply entra_emulator::handle(const server_request& request) {
  const auto segments = split_path(request.path());
  if (segments.size() != 4 || segments[1] != "oauth2" || segments[2] != "v2.0" ||
      segments[3] != "token") {
    return jwt::text_reply(404, "not found");
  }
  try {
    return token(request, segments[0]);
  } catch (const token_error& error) {
    return error_reply(request, error);
  }
}

const std::string* entra_emulator::find_tenant(std::string_view name) const {
  for (const auto& [id, app] : apps_) {
    if (jwt::iequals(app.app.tenant, name)) return &app.app.tenant;
  }
  for (const auto& [tenant, domains] : options_.tenant_domains) {
    for (const auto& domain : domains) {
      if (!jwt::iequals(domain, name)) continue;
      for (const auto& [id, app] : apps_) {
        if (jwt::iequals(app.app.tenant, tenant)) return &app.app.tenant;
      }
    }
  }
  return nullptr;
}

server_reply entra_emulator::token(const server_request& request, std::string_view tenant_in_path) {
  if (request.method != "POST") {
    throw token_error{
        400, "invalid_request", 900561,
        "The endpoint only accepts POST requests. Received a " + request.method + " request."};
  }
  std::lock_guard lock(mutex_);
  const std::string* tenant = find_tenant(tenant_in_path);
  if (tenant == nullptr) {
    throw token_error{400, "invalid_request", 90002,
                      "Tenant '" + std::string(tenant_in_path) +
                          "' not found. Check to make sure you have the correct tenant ID and are "
                          "signing into the correct cloud. Check with your subscription "
                          "administrator, this may happen if there are no active subscriptions "
                          "for the tenant."};
  }
  const auto form = jwt::form_fields(request.body);
  const auto field = [&form](std::string_view name) {
    const auto it = form.find(name);
    return it == form.end() ? std::string() : it->second;
  };
  const std::string grant_type = field("grant_type");
  if (grant_type.empty()) {
    throw token_error{400, "invalid_request", 900144, missing_parameter("grant_type")};
  }
  if (grant_type != "client_credentials") {
    throw token_error{400, "unsupported_grant_type", 70003,
                      "The app requested an unsupported grant type '" + grant_type + "'."};
  }
  std::string basic_id;
  std::string basic_secret;
  if (const auto* auth = request.header("Authorization");
      auth != nullptr && auth->size() > 6 && jwt::iequals(auth->substr(0, 6), "Basic ")) {
    const auto decoded = jwt::base64_decode(auth->substr(6)).value_or("");
    const auto colon = decoded.find(':');
    if (colon != std::string::npos) {
      basic_id = percent_decode(decoded.substr(0, colon));
      basic_secret = percent_decode(decoded.substr(colon + 1));
    }
  }
  const std::string client_id = field("client_id").empty() ? basic_id : field("client_id");
  if (client_id.empty()) {
    throw token_error{400, "invalid_request", 900144, missing_parameter("client_id")};
  }
  const std::string scope = field("scope");
  if (scope.empty()) throw token_error{400, "invalid_request", 900144, missing_parameter("scope")};
  std::vector<std::string> resources;
  for (std::size_t start = 0; start < scope.size();) {
    auto end = scope.find(' ', start);
    if (end == std::string::npos) end = scope.size();
    const std::string item = scope.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    constexpr std::string_view suffix = "/.default";
    if (item.size() <= suffix.size() || item.substr(item.size() - suffix.size()) != suffix) {
      throw token_error{400, "invalid_scope", 1002012,
                        "The provided value for scope " + item +
                            " is not valid. Client credential flows must have a scope value with "
                            "/.default suffixed to the resource identifier (application ID URI)."};
    }
    resources.push_back(without_trailing_slash(item.substr(0, item.size() - suffix.size())));
  }
  if (resources.empty()) {
    throw token_error{400, "invalid_request", 900144, missing_parameter("scope")};
  }
  for (const auto& r : resources) {
    if (!jwt::iequals(r, resources.front())) {
      throw token_error{400, "invalid_scope", 70011,
                        "The provided value for the input parameter 'scope' is not valid. The "
                        "scope " +
                            scope + " is not valid."};
    }
  }
  const auto app = apps_.find(client_id);
  if (app == apps_.end() || !jwt::iequals(app->second.app.tenant, *tenant)) {
    throw token_error{400, "unauthorized_client", 700016,
                      "Application with identifier '" + client_id +
                          "' was not found in the directory '" + std::string(tenant_in_path) +
                          "'. This can happen if the application has not been installed by the "
                          "administrator of the tenant or consented to by any user in the tenant. "
                          "You may have sent your authentication request to the wrong tenant."};
  }
  const std::string assertion = field("client_assertion");
  const std::string assertion_type = field("client_assertion_type");
  const std::string secret = field("client_secret").empty() ? basic_secret : field("client_secret");
  const int bad_client = options_.invalid_client_status;
  if (!assertion.empty() || !assertion_type.empty()) {
    if (assertion.empty() || assertion_type != jwt_bearer) {
      throw token_error{400, "invalid_request", 7000216,
                        "'client_assertion', 'client_secret' or 'request' is required for the "
                        "'client_credentials' grant type."};
    }
    check_assertion(request, tenant_in_path, app->second, assertion);
  } else if (!secret.empty()) {
    const auto& secrets = app->second.app.client_secrets;
    if (std::find(secrets.begin(), secrets.end(), secret) == secrets.end()) {
      throw token_error{bad_client, "invalid_client", 7000215,
                        "Invalid client secret provided. Ensure the secret being sent in the "
                        "request is the client secret value, not the client secret ID, for a "
                        "secret added to app '" +
                            client_id + "'."};
    }
  } else {
    throw token_error{bad_client, "invalid_client", 7000218,
                      "The request body must contain the following parameter: "
                      "'client_assertion' or 'client_secret'."};
  }
  const std::string& resource = resources.front();
  bool known = options_.resources.empty();
  for (const auto& r : options_.resources) known = known || jwt::iequals(r, resource);
  if (!known) {
    throw token_error{400, "invalid_resource", 500011,
                      "The resource principal named " + resource +
                          " was not found in the tenant named " + std::string(tenant_in_path) +
                          ". This can happen if the application has not been installed by the "
                          "administrator of the tenant or consented to by any user in the tenant. "
                          "You might have sent your authentication request to the wrong tenant."};
  }
  const auto lifetime = options_.token_lifetime;
  json::object body{{"token_type", "Bearer"},
                    {"expires_in", lifetime.count()},
                    {"ext_expires_in", options_.ext_token_lifetime.count()},
                    {"access_token", tokens_.issue(client_id, resource, lifetime)}};
  auto reply = json_reply(200, body);
  reply.with_header("Cache-Control", "no-store, no-cache").with_header("Pragma", "no-cache");
  return reply;
}

void entra_emulator::check_assertion(const server_request& request, std::string_view tenant_in_path,
                                     const registered_app& app, std::string_view assertion) const {
  const int bad_client = options_.invalid_client_status;
  const std::string& client_id = app.app.client_id;
  std::string reason;
  const auto token = jwt::parse(assertion, reason);
  if (!token)
    throw token_error{400, "invalid_request", 50027, "JWT token is invalid or malformed."};
  const std::string alg = jwt::string_claim(token->header, "alg").value_or("");
  const bool rs256 = alg == "RS256" && options_.accept_rs256_x5t;
  const bool ps256 = alg == "PS256" && options_.accept_ps256_x5t_s256;
  if (!rs256 && !ps256) {
    std::string supported = options_.accept_rs256_x5t ? "RS256" : "";
    if (options_.accept_ps256_x5t_s256) supported += supported.empty() ? "PS256" : ", PS256";
    throw token_error{bad_client, "invalid_client", 5002738,
                      "Invalid JWT token. '" + alg +
                          "' is not a supported signature algorithm. Supported signing "
                          "algorithms are: '" +
                          supported + "'"};
  }
  const auto thumbprint_text = jwt::string_claim(token->header, rs256 ? "x5t" : "x5t#S256");
  if (!thumbprint_text) {
    throw token_error{400, "invalid_request", 50027,
                      "Invalid JWT token. No certificate thumbprint specified in token header."};
  }
  const std::string thumbprint = jwt::base64url_decode(*thumbprint_text).value_or(*thumbprint_text);
  const jwt::certificate* key = nullptr;
  for (const auto& cert : app.certificates) {
    if ((rs256 ? cert.sha1_thumbprint() : cert.sha256_thumbprint()) == thumbprint) key = &cert;
  }
  const std::string used = "Thumbprint of key used by client: '" + jwt::hex_upper(thumbprint) + "'";
  if (key == nullptr) {
    throw token_error{bad_client, "invalid_client", 700027,
                      "Client assertion contains an invalid signature. [Reason - The key was not "
                      "found., " +
                          used +
                          ", Please visit the Azure Portal, Graph Explorer or directly use MS "
                          "Graph to see configured keys for app Id '" +
                          client_id + "'.]"};
  }
  if (!key->verify(alg, token->signing_input, token->signature)) {
    throw token_error{bad_client, "invalid_client", 700027,
                      "Client assertion contains an invalid signature. [Reason - The provided "
                      "signature value did not match the expected signature value., " +
                          used + ", Found key 'Start=" + key_date(key->not_before()) +
                          ", End=" + key_date(key->not_after()) + "']"};
  }
  if (jwt::string_claim(token->claims, "iss") != client_id ||
      jwt::string_claim(token->claims, "sub") != client_id) {
    throw token_error{bad_client, "invalid_client", 700021,
                      "Client assertion application identifier doesn't match 'client_id' "
                      "parameter." +
                          std::string(docs_hint)};
  }
  std::vector<std::string> audiences;
  std::vector<std::string> authorities = options_.authorities;
  if (const auto* host = request.header("Host"); host != nullptr && !host->empty()) {
    authorities.push_back("https://" + *host);
  }
  std::vector<std::string> tenant_names{std::string(tenant_in_path), app.app.tenant};
  if (const auto it = options_.tenant_domains.find(app.app.tenant);
      it != options_.tenant_domains.end()) {
    tenant_names.insert(tenant_names.end(), it->second.begin(), it->second.end());
  }
  for (const auto& authority : authorities) {
    for (const auto& name : tenant_names) {
      audiences.push_back(without_trailing_slash(authority) + "/" + name +
                          std::string(token_suffix));
    }
  }
  const auto audience_ok = [&audiences](const json::value& v) {
    if (!v.is_string()) return false;
    for (const auto& a : audiences) {
      if (jwt::iequals(a, v.as_string())) return true;
    }
    return false;
  };
  bool aud_matches = false;
  if (const auto* aud = token->claims.if_contains("aud"); aud != nullptr) {
    if (aud->is_array()) {
      for (const auto& a : aud->as_array()) aud_matches = aud_matches || audience_ok(a);
    } else {
      aud_matches = audience_ok(*aud);
    }
  }
  if (!aud_matches) {
    throw token_error{bad_client, "invalid_client", 50012,
                      "Client assertion audience claim does not match Realm issuer."};
  }
  const auto exp = jwt::integer_claim(token->claims, "exp");
  if (!exp) throw token_error{400, "invalid_request", 50027, "JWT token is invalid or malformed."};
  const auto nbf = jwt::integer_claim(token->claims, "nbf").value_or(0);
  const auto now = clock_.now();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  constexpr std::int64_t clock_skew = 300;
  if (seconds.count() >= *exp || nbf > seconds.count() + clock_skew) {
    const auto at = [](std::int64_t s) { return time_point(std::chrono::seconds(s)); };
    throw token_error{
        bad_client, "invalid_client", 700024,
        "Client assertion is not within its valid time range. Current time: " + precise_time(now) +
            ", assertion valid from " + precise_time(at(nbf)) + ", expiry time of assertion " +
            precise_time(at(*exp)) + "." + std::string(docs_hint)};
  }
  if (jwt::string_claim(token->claims, "jti").value_or("").empty()) {
    throw token_error{400, "invalid_request", 50027,
                      "Invalid JWT token. The token does not contain a 'jti' claim."};
  }
}

server_reply entra_emulator::error_reply(const server_request& request,
                                         const token_error& error) const {
  const std::string trace_id = jwt::random_uuid();
  const auto* client_request_id = request.header("client-request-id");
  const std::string correlation_id = client_request_id != nullptr && !client_request_id->empty()
                                         ? *client_request_id
                                         : jwt::random_uuid();
  const std::string timestamp = jwt::entra_time(clock_.now());
  json::object body{
      {"error", error.error},
      {"error_description",
       "AADSTS" + std::to_string(error.code) + ": " + error.text + "\r\nTrace ID: " + trace_id +
           "\r\nCorrelation ID: " + correlation_id + "\r\nTimestamp: " + timestamp},
      {"error_codes", json::array{error.code}},
      {"timestamp", timestamp},
      {"trace_id", trace_id},
      {"correlation_id", correlation_id},
      {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(error.code)}};
  auto reply = json_reply(error.status, body);
  reply.with_header("Cache-Control", "no-store, no-cache").with_header("Pragma", "no-cache");
  return reply;
}

std::optional<server_reply> entra_emulator::control(std::string_view action, std::string_view,
                                                    const boost::json::value& body) {
  if (!jwt::one_of(action, {"register_app", "remove_app", "add_resource", "configure",
                            "advance_clock", "expire_tokens", "tokens", "apps"})) {
    return std::nullopt;
  }
  try {
    const auto& o = jwt::control_object(body);
    if (action == "register_app") {
      entra_app app;
      app.tenant = jwt::json_string(o, "tenant", true);
      app.client_id = jwt::json_string(o, "client_id", true);
      app.client_secrets = jwt::json_strings(o, "client_secrets");
      for (auto& s : jwt::json_strings(o, "client_secret")) app.client_secrets.push_back(s);
      app.certificate_pems = jwt::json_strings(o, "certificate_pems");
      for (auto& c : jwt::json_strings(o, "certificate_pem")) app.certificate_pems.push_back(c);
      std::lock_guard lock(mutex_);
      register_locked(app);
      for (auto& d : jwt::json_strings(o, "tenant_domains")) {
        options_.tenant_domains[app.tenant].push_back(std::move(d));
      }
      return json_reply(200, json::object{{"registered", app.client_id}});
    }
    if (action == "remove_app") {
      const auto id = jwt::json_string(o, "client_id", true);
      std::lock_guard lock(mutex_);
      return json_reply(200, json::object{{"removed", apps_.erase(id) > 0}});
    }
    if (action == "add_resource") {
      add_resource(jwt::json_string(o, "resource", true));
      return json_reply(200, json::object{{"added", true}});
    }
    if (action == "configure") {
      std::lock_guard lock(mutex_);
      options_.invalid_client_status = static_cast<int>(
          jwt::json_number(o, "invalid_client_status", options_.invalid_client_status));
      options_.accept_rs256_x5t = jwt::json_bool(o, "accept_rs256_x5t", options_.accept_rs256_x5t);
      options_.accept_ps256_x5t_s256 =
          jwt::json_bool(o, "accept_ps256_x5t_s256", options_.accept_ps256_x5t_s256);
      options_.token_lifetime = std::chrono::seconds(static_cast<std::int64_t>(jwt::json_number(
          o, "token_lifetime_seconds", static_cast<double>(options_.token_lifetime.count()))));
      for (auto& a : jwt::json_strings(o, "authorities")) options_.authorities.push_back(a);
      return json_reply(200, json::object{{"configured", true}});
    }
    if (action == "advance_clock") {
      clock_.advance(std::chrono::milliseconds(
          static_cast<std::int64_t>(jwt::json_number(o, "seconds", 0) * 1000)));
      return json_reply(200, json::object{{"now", jwt::iso_millis(clock_.now())}});
    }
    if (action == "expire_tokens") {
      tokens_.expire_all();
      return json_reply(200, json::object{{"expired", true}});
    }
    if (action == "tokens") {
      return json_reply(200, json::object{{"issued", tokens_.issued()}});
    }
    if (action == "apps") {
      std::lock_guard lock(mutex_);
      json::array list;
      for (const auto& [id, app] : apps_) {
        json::array certs;
        for (const auto& c : app.certificates) {
          certs.push_back(json::object{{"x5t", jwt::base64url_encode(c.sha1_thumbprint())},
                                       {"x5t#S256", jwt::base64url_encode(c.sha256_thumbprint())}});
        }
        list.push_back(json::object{{"tenant", app.app.tenant},
                                    {"client_id", id},
                                    {"client_secrets", app.app.client_secrets.size()},
                                    {"certificates", std::move(certs)}});
      }
      return json_reply(200, list);
    }
    return std::nullopt;
  } catch (const std::invalid_argument& e) {
    return jwt::control_error(e.what());
  }
}

}  // namespace switchboard::sandbox
