// Entra ID client-credentials token providers: client secret and certificate client assertion.
#include "jwt_signer.hpp"
#include "token_cache.hpp"
#include "token_endpoint.hpp"

#include "switchboard/host/token_providers.hpp"

#include <fmt/format.h>
#include <boost/json/object.hpp>

#include <chrono>

namespace switchboard::host {
namespace {

namespace json = boost::json;
using auth_detail::issued_token;

constexpr std::string_view jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

std::string token_url(const std::string& authority, const std::string& tenant) {
  return fmt::format("{}/{}/oauth2/v2.0/token", auth_detail::without_trailing_slash(authority),
                     tenant);
}

std::string default_scope(const std::string& resource) {
  std::string base = auth_detail::without_trailing_slash(resource);
  if (base.ends_with("/.default")) return base;
  return base + "/.default";
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

class entra_secret_provider final : public auth_detail::cached_token_provider {
 public:
  entra_secret_provider(sdk::http_client& http, entra_secret_options options)
      : cached_token_provider(options.refresh), http_(http), options_(std::move(options)) {
    endpoint_.service =
        fmt::format("entra (tenant {}, client {})", options_.tenant, options_.client_id);
    endpoint_.url = token_url(options_.authority, options_.tenant);
    endpoint_.timeout = options_.refresh.request_timeout;
    endpoint_.secrets = {options_.client_secret};
  }

 private:
  sdk::status fetch(issued_token& token) override {
    const std::string form =
        auth_detail::form_encode({{"grant_type", "client_credentials"},
                                  {"client_id", options_.client_id},
                                  {"client_secret", options_.client_secret},
                                  {"scope", default_scope(options_.resource)}});
    return auth_detail::request_token(http_, endpoint_, form, token);
  }

  sdk::http_client& http_;
  const entra_secret_options options_;
  auth_detail::token_endpoint endpoint_;
};

class entra_certificate_provider final : public auth_detail::cached_token_provider {
 public:
  entra_certificate_provider(sdk::http_client& http, entra_certificate_options options)
      : cached_token_provider(options.refresh),
        http_(http),
        options_(std::move(options)),
        signer_(
            "entra certificate provider",
            auth_detail::read_pem(options_.private_key, "entra certificate provider: private_key"),
            options_.private_key_password,
            auth_detail::read_pem(options_.certificate,
                                  "entra certificate provider: certificate")) {
    endpoint_.service =
        fmt::format("entra (tenant {}, client {})", options_.tenant, options_.client_id);
    endpoint_.url = token_url(options_.authority, options_.tenant);
    endpoint_.timeout = options_.refresh.request_timeout;
  }

 private:
  sdk::status fetch(issued_token& token) override {
    const auto now = std::chrono::system_clock::now();
    const bool current = options_.format == entra_assertion_format::ps256_x5t_s256;
    json::object header{{"typ", "JWT"}};
    if (current) {
      header["x5t#S256"] = signer_.x5t_s256();
    } else {
      header["x5t"] = signer_.x5t();
    }
    json::object claims{{"aud", endpoint_.url},
                        {"iss", options_.client_id},
                        {"sub", options_.client_id},
                        {"jti", auth_detail::random_uuid()},
                        {"nbf", unix_seconds(now)},
                        {"iat", unix_seconds(now)},
                        {"exp", unix_seconds(now + options_.assertion_lifetime)}};
    const std::string assertion = signer_.sign(
        current ? auth_detail::jws_algorithm::ps256 : auth_detail::jws_algorithm::rs256,
        std::move(header), claims);
    const std::string form =
        auth_detail::form_encode({{"grant_type", "client_credentials"},
                                  {"client_id", options_.client_id},
                                  {"scope", default_scope(options_.resource)},
                                  {"client_assertion_type", std::string(jwt_bearer)},
                                  {"client_assertion", assertion}});
    return auth_detail::request_token(http_, endpoint_, form, token);
  }

  sdk::http_client& http_;
  const entra_certificate_options options_;
  const auth_detail::jwt_signer signer_;
  auth_detail::token_endpoint endpoint_;
};

void require_common(std::string_view what, const std::string& authority, const std::string& tenant,
                    const std::string& client_id, const std::string& resource) {
  auth_detail::require(what, "authority", authority);
  auth_detail::require(what, "tenant", tenant);
  auth_detail::require(what, "client_id", client_id);
  auth_detail::require(what, "resource", resource);
}

}  // namespace

std::unique_ptr<sdk::token_provider> make_entra_secret_provider(sdk::http_client& http,
                                                                entra_secret_options options) {
  constexpr std::string_view what = "entra secret provider";
  require_common(what, options.authority, options.tenant, options.client_id, options.resource);
  auth_detail::require(what, "client_secret", options.client_secret);
  return std::make_unique<entra_secret_provider>(http, std::move(options));
}

std::unique_ptr<sdk::token_provider> make_entra_certificate_provider(
    sdk::http_client& http, entra_certificate_options options) {
  require_common("entra certificate provider", options.authority, options.tenant, options.client_id,
                 options.resource);
  if (options.assertion_lifetime.count() <= 0) {
    throw std::invalid_argument("entra certificate provider: assertion_lifetime must be positive");
  }
  return std::make_unique<entra_certificate_provider>(http, std::move(options));
}

}  // namespace switchboard::host
