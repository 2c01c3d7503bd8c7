// Building token providers from connection "auth" objects, checked like component options.
#include "switchboard/host/connection_auth.hpp"

#include "switchboard/host/token_providers.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace switchboard::host {
namespace json = boost::json;
namespace {

using sdk::option_def;
using sdk::option_type;

option_def text(std::string name, std::string description, bool required = true,
                bool secret = false) {
  option_def o;
  o.name = std::move(name);
  o.type = option_type::string;
  o.description = std::move(description);
  o.required = required;
  o.secret = secret;
  return o;
}

option_def text_default(std::string name, std::string description, std::string value) {
  auto o = text(std::move(name), std::move(description), false);
  o.default_value = json::string(value);
  return o;
}

option_def list_default(std::string name, std::string description,
                        std::initializer_list<const char*> values) {
  option_def o;
  o.name = std::move(name);
  o.type = option_type::string_list;
  o.description = std::move(description);
  json::array a;
  for (const char* v : values) a.emplace_back(v);
  o.default_value = std::move(a);
  return o;
}

option_def type_option(const char* type) {
  auto o = text("type", "how the connection gets tokens");
  o.allowed_values = {json::string(type)};
  return o;
}

const std::map<std::string, sdk::config_schema, std::less<>>& schemas() {
  static const auto* all = new std::map<std::string, sdk::config_schema, std::less<>>{
      {"entra_secret",
       {type_option("entra_secret"),
        text_default("authority", "token service", "https://login.microsoftonline.com"),
        text("tenant", "directory (tenant) id"), text("client_id", "application (client) id"),
        text("client_secret", "client secret", true, true),
        text("resource", "environment URL, e.g. https://org.crm.dynamics.com")}},
      {"entra_certificate",
       [] {
         auto format = text_default("format", "client assertion format", "ps256");
         format.allowed_values = {json::string("ps256"), json::string("rs256")};
         return sdk::config_schema{
             type_option("entra_certificate"),
             text_default("authority", "token service", "https://login.microsoftonline.com"),
             text("tenant", "directory (tenant) id"),
             text("client_id", "application (client) id"),
             text("resource", "environment URL"),
             text("certificate_file", "PEM certificate registered with the app"),
             text("private_key_file", "PEM private key of the certificate"),
             text("private_key_password", "password of an encrypted key", false, true),
             format};
       }()},
      {"ims_oauth",
       {type_option("ims_oauth"), text_default("ims_url", "IMS", "https://ims-na1.adobelogin.com"),
        text("client_id", "API key"), text("client_secret", "client secret", true, true),
        list_default(
            "scopes", "scopes of the credential",
            {"openid", "AdobeID", "campaign_sdk", "additional_info.projectedProductContext"})}},
      {"ims_jwt",
       {type_option("ims_jwt"), text_default("ims_url", "IMS", "https://ims-na1.adobelogin.com"),
        text_default("audience_base", "IMS host named in the JWT (default: ims_url)", ""),
        text("client_id", "API key"), text("client_secret", "client secret", true, true),
        text("org_id", "<id>@AdobeOrg"), text("technical_account_id", "<id>@techacct.adobe.com"),
        text("private_key_file", "PEM private key of the service account"),
        text("private_key_password", "password of an encrypted key", false, true),
        list_default("metascopes", "JWT metascopes", {"ent_campaign_sdk"})}},
  };
  return *all;
}

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_array()) {
    for (const auto& e : v->as_array()) out.emplace_back(e.as_string());
  }
  return out;
}

std::unique_ptr<sdk::token_provider> build(const json::object& o, sdk::http_client& http) {
  const std::string type = str(o, "type");
  if (type == "entra_secret") {
    return make_entra_secret_provider(http, {str(o, "authority"),
                                             str(o, "tenant"),
                                             str(o, "client_id"),
                                             str(o, "client_secret"),
                                             str(o, "resource"),
                                             {}});
  }
  if (type == "entra_certificate") {
    entra_certificate_options e;
    e.authority = str(o, "authority");
    e.tenant = str(o, "tenant");
    e.client_id = str(o, "client_id");
    e.resource = str(o, "resource");
    e.certificate.file = str(o, "certificate_file");
    e.private_key.file = str(o, "private_key_file");
    e.private_key_password = str(o, "private_key_password");
    e.format = str(o, "format") == "rs256" ? entra_assertion_format::rs256_x5t
                                           : entra_assertion_format::ps256_x5t_s256;
    return make_entra_certificate_provider(http, std::move(e));
  }
  if (type == "ims_oauth") {
    ims_oauth_options i;
    i.ims_url = str(o, "ims_url");
    i.client_id = str(o, "client_id");
    i.client_secret = str(o, "client_secret");
    i.scopes = strings(o, "scopes");
    return make_ims_oauth_provider(http, std::move(i));
  }
  ims_jwt_options j;
  j.ims_url = str(o, "ims_url");
  j.audience_base = str(o, "audience_base");
  j.client_id = str(o, "client_id");
  j.client_secret = str(o, "client_secret");
  j.org_id = str(o, "org_id");
  j.technical_account_id = str(o, "technical_account_id");
  j.private_key.file = str(o, "private_key_file");
  j.private_key_password = str(o, "private_key_password");
  j.metascopes = strings(o, "metascopes");
  return make_ims_jwt_provider(http, std::move(j));
}

}  // namespace

const sdk::config_schema* connection_auth::schema(std::string_view type) {
  const auto it = schemas().find(type);
  return it == schemas().end() ? nullptr : &it->second;
}

connection_auth::connection_auth(const host_config& config, sdk::http_client& http,
                                 const secret_resolver& resolver, secret_registry& secrets) {
  for (const auto& tenant : config.tenants) {
    for (const auto& [name, connection] : tenant.connections) {
      if (connection.auth.empty()) continue;
      const config_location where{connection.where.file, connection.where.pointer + "/auth"};
      const auto* type = connection.auth.if_contains("type");
      std::string known;
      for (const auto& [t, s] : schemas()) known += (known.empty() ? "" : ", ") + t;
      if (type == nullptr || !type->is_string() || schema(type->as_string()) == nullptr) {
        throw config_error(where.file, where.pointer + "/type",
                           fmt::format("expected one of {}", known));
      }
      const auto options =
          resolve_options(connection.auth, where, *schema(type->as_string()), resolver, secrets);
      try {
        providers_[{tenant.id, name}] = build(options, http);
      } catch (const std::invalid_argument& e) {
        throw config_error(where.file, where.pointer, e.what());
      }
    }
  }
}

sdk::token_provider* connection_auth::find(std::string_view tenant,
                                           std::string_view connection) const noexcept {
  const auto it = providers_.find(std::pair<std::string, std::string>(tenant, connection));
  return it == providers_.end() ? nullptr : it->second.get();
}

}  // namespace switchboard::host
