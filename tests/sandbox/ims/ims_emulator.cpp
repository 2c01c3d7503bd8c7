// Adobe IMS token endpoints: OAuth S2S client credentials, the legacy JWT exchange with its
// documented error codes, and the profile used to diagnose 403023.
#include "sandbox/ims/ims_emulator.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace switchboard::sandbox {
namespace json = boost::json;
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

/// IMS scope lists are comma-separated; spaces are tolerated as separators too.
std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : text) {
    if (c == ',' || c == ' ') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

/// An IMS failure: HTTP status, OAuth-style error and description.
struct ims_emulator::ims_error {
  int status;
  std::string error;
  std::string description;
};

ims_emulator::ims_emulator(token_registry& tokens, ims_options options)
    : tokens_(tokens), clock_(options.clock), options_(std::move(options)) {
  for (const auto& client : options_.clients) register_locked(client);
  options_.clients.clear();
}

void ims_emulator::register_client(const ims_client& client) {
  std::lock_guard lock(mutex_);
  register_locked(client);
}

void ims_emulator::register_locked(const ims_client& client) {
  if (client.client_id.empty()) throw std::invalid_argument("a client needs a client id");
  registered_client entry{client, {}};
  for (const auto& pem : client.certificate_pems) {
    entry.certificates.push_back(jwt::certificate::from_pem(pem));
  }
  clients_.insert_or_assign(client.client_id, std::move(entry));
}

std::string ims_emulator::classify(const server_request& request) const {
  const auto path = request.path();
  if (path == "/ims/token/v3") return request.method + " token";
  if (path == "/ims/exchange/jwt") return request.method + " exchange";
  if (path == "/ims/profile/v1") return request.method + " profile";
  return request.method + " unknown";
}

server_reply ims_emulator::handle(const server_request& request) {
  const auto path = request.path();
  try {
    if (path == "/ims/token/v3") return token_v3(request);
    if (path == "/ims/exchange/jwt") return exchange_jwt(request);
    if (path == "/ims/profile/v1") return profile(request);
    return json_reply(404, json::object{{"error", "not_found"}});
  } catch (const ims_error& e) {
    return json_reply(e.status,
                      json::object{{"error", e.error}, {"error_description", e.description}});
  }
}

const ims_emulator::registered_client& ims_emulator::authenticate(std::string_view client_id,
                                                                  std::string_view secret) const {
  const auto it = clients_.find(client_id);
  if (client_id.empty() || it == clients_.end()) {
    throw ims_error{400, "invalid_client", "invalid client_id parameter"};
  }
  if (secret.empty() || !contains(it->second.client.client_secrets, secret)) {
    throw ims_error{401, "invalid_client", "invalid client_secret parameter"};
  }
  return it->second;
}

server_reply ims_emulator::token_v3(const server_request& request) {
  if (request.method != "POST") {
    throw ims_error{405, "invalid_request", "method " + request.method + " is not allowed"};
  }
  auto fields = jwt::form_fields(request.body);
  for (auto& [name, value] : jwt::form_fields(request.query())) fields.emplace(name, value);
  const auto field = [&fields](std::string_view name) {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  if (field("grant_type") != "client_credentials") {
    throw ims_error{400, "unsupported_grant_type", "invalid grant_type parameter"};
  }
  std::lock_guard lock(mutex_);
  const auto& client = authenticate(field("client_id"), field("client_secret"));
  const auto scopes = split_scopes(field("scope"));
  if (scopes.empty()) throw ims_error{400, "invalid_scope", "invalid scope parameter"};
  std::string refused;
  for (const auto& s : scopes) {
    if (!client.client.scopes.empty() && !contains(client.client.scopes, s)) {
      refused += (refused.empty() ? "" : ",") + s;
    }
  }
  if (!refused.empty()) throw ims_error{400, "invalid_scope", "invalid scope(s): " + refused};
  const auto lifetime = options_.token_lifetime;
  return json_reply(
      200, json::object{{"access_token",
                         tokens_.issue(client.client.client_id, client.client.org_id, lifetime)},
                        {"token_type", "bearer"},
                        {"expires_in", lifetime.count()}});
}

server_reply ims_emulator::exchange_jwt(const server_request& request) {
  if (request.method != "POST") {
    throw ims_error{405, "invalid_request", "method " + request.method + " is not allowed"};
  }
  const auto fields = jwt::form_fields(request.body);
  const auto field = [&fields](std::string_view name) {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  std::lock_guard lock(mutex_);
  const auto& client = authenticate(field("client_id"), field("client_secret"));
  check_jwt(client, field("jwt_token"));
  const auto lifetime = options_.token_lifetime;
  const auto expires_in =
      options_.exchange_expires_in_ms
          ? std::chrono::duration_cast<std::chrono::milliseconds>(lifetime).count()
          : lifetime.count();
  return json_reply(
      200, json::object{{"token_type", "bearer"},
                        {"access_token",
                         tokens_.issue(client.client.client_id, client.client.org_id, lifetime)},
                        {"expires_in", expires_in}});
}

void ims_emulator::check_jwt(const registered_client& client, std::string_view jwt_token) const {
  if (jwt_token.empty()) throw ims_error{400, "invalid_token", "jwt_token parameter is missing"};
  std::string reason;
  const auto token = jwt::parse(jwt_token, reason);
  if (!token) throw ims_error{400, "invalid_token", "the JWT cannot be decoded: " + reason};
  const auto& id = client.client.client_id;
  if (jwt::string_claim(token->claims, "aud") != options_.ims_base + "/c/" + id) {
    throw ims_error{400, "invalid_client",
                    "the client_id parameter and the aud field in the JWT do not match"};
  }
  const auto alg = jwt::string_claim(token->header, "alg").value_or("");
  if (alg != "RS256") {
    throw ims_error{400, "invalid_signature",
                    "the signature does not match the algorithm specified in the JWT header"};
  }
  const bool signed_ok = std::any_of(
      client.certificates.begin(), client.certificates.end(),
      [&](const auto& cert) { return cert.verify(alg, token->signing_input, token->signature); });
  if (!signed_ok) {
    throw ims_error{400, "invalid_signature",
                    "the JWT signature does not match any certificates attached to the "
                    "integration"};
  }
  const auto exp = jwt::integer_claim(token->claims, "exp");
  if (!exp) throw ims_error{400, "invalid_token", "the exp field of the JWT is not an integer"};
  if (token->claims.contains("jti") && !jwt::integer_claim(token->claims, "jti")) {
    throw ims_error{400, "invalid_token", "the jti field of the JWT is not an integer"};
  }
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  if (*exp <= now) {
    throw ims_error{400, "invalid_token",
                    "JWT token has expired (exp " + std::to_string(*exp) + ", now " +
                        std::to_string(now) + ")"};
  }
  if (*exp > now + 24 * 3600) {
    throw ims_error{400, "invalid_token", "the JWT expires more than 24 hours from now"};
  }
  const auto iss = jwt::string_claim(token->claims, "iss").value_or("");
  if (!ends_with(iss, "@AdobeOrg") || iss != client.client.org_id) {
    throw ims_error{400, "bad_request", "invalid iss '" + iss + "' in the JWT payload"};
  }
  const auto sub = jwt::string_claim(token->claims, "sub").value_or("");
  if (!ends_with(sub, "@techacct.adobe.com") ||
      (!client.client.technical_account_id.empty() && sub != client.client.technical_account_id)) {
    throw ims_error{400, "bad_request", "invalid sub '" + sub + "' in the JWT payload"};
  }
  const std::string prefix = options_.ims_base + "/s/";
  std::size_t metascopes = 0;
  for (const auto& [key, value] : token->claims) {
    if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) continue;
    const std::string metascope(key.substr(prefix.size()));
    if (!value.is_bool() || !value.as_bool() || !contains(client.client.metascopes, metascope)) {
      throw ims_error{400, "invalid_scope",
                      "metascope " + metascope + " in the JWT does not match the binding"};
    }
    ++metascopes;
  }
  if (metascopes == 0) throw ims_error{400, "invalid_scope", "the JWT has no metascopes"};
}

server_reply ims_emulator::profile(const server_request& request) {
  const auto grant = tokens_.check(bearer_token(request));
  if (!grant) throw ims_error{401, "invalid_token", "the access token is invalid or expired"};
  std::lock_guard lock(mutex_);
  json::array contexts;
  if (const auto it = clients_.find(grant->client_id); it != clients_.end()) {
    for (const auto& organization : it->second.client.organizations) {
      contexts.push_back(
          json::object{{"prodCtx", json::object{{"statusCode", "ACTIVE"},
                                                {"organization_id", organization},
                                                {"owningEntity", it->second.client.org_id},
                                                {"serviceCode", "dma_tartan"},
                                                {"label", "Adobe Marketing Cloud"},
                                                {"serviceLevel", "standard"}}}});
    }
  }
  return json_reply(200, json::object{{"countryCode", "US"},
                                      {"mrktPermEmail", nullptr},
                                      {"projectedProductContext", std::move(contexts)}});
}

std::optional<server_reply> ims_emulator::control(std::string_view action, std::string_view,
                                                  const boost::json::value& body) {
  if (!jwt::one_of(action, {"register_client", "remove_client", "configure", "advance_clock",
                            "expire_tokens", "tokens", "clients"})) {
    return std::nullopt;
  }
  try {
    const auto& o = jwt::control_object(body);
    if (action == "register_client") {
      ims_client client;
      client.client_id = jwt::json_string(o, "client_id", true);
      client.client_secrets = jwt::json_strings(o, "client_secrets");
      for (auto& s : jwt::json_strings(o, "client_secret")) client.client_secrets.push_back(s);
      client.org_id = jwt::json_string(o, "org_id");
      client.technical_account_id = jwt::json_string(o, "technical_account_id");
      client.scopes = jwt::json_strings(o, "scopes");
      client.metascopes = jwt::json_strings(o, "metascopes");
      client.certificate_pems = jwt::json_strings(o, "certificate_pems");
      for (auto& c : jwt::json_strings(o, "certificate_pem")) client.certificate_pems.push_back(c);
      client.organizations = jwt::json_strings(o, "organizations");
      register_client(client);
      return json_reply(200, json::object{{"registered", client.client_id}});
    }
    if (action == "remove_client") {
      const auto id = jwt::json_string(o, "client_id", true);
      std::lock_guard lock(mutex_);
      return json_reply(200, json::object{{"removed", clients_.erase(id) > 0}});
    }
    if (action == "configure") {
      std::lock_guard lock(mutex_);
      options_.exchange_expires_in_ms =
          jwt::json_bool(o, "exchange_expires_in_ms", options_.exchange_expires_in_ms);
      options_.token_lifetime = std::chrono::seconds(static_cast<std::int64_t>(jwt::json_number(
          o, "token_lifetime_seconds", static_cast<double>(options_.token_lifetime.count()))));
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
    if (action == "tokens") return json_reply(200, json::object{{"issued", tokens_.issued()}});
    if (action == "clients") {
      std::lock_guard lock(mutex_);
      json::array list;
      for (const auto& [id, entry] : clients_) {
        list.push_back(json::object{{"client_id", id},
                                    {"org_id", entry.client.org_id},
                                    {"technical_account_id", entry.client.technical_account_id},
                                    {"certificates", entry.certificates.size()}});
      }
      return json_reply(200, list);
    }
    return std::nullopt;
  } catch (const std::invalid_argument& e) {
    return jwt::control_error(e.what());
  }
}

}  // namespace switchboard::sandbox
