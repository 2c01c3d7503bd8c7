// Adobe IMS token providers: OAuth server-to-server and the legacy JWT (service account) exchange.
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

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

class ims_oauth_provider final : public auth_detail::cached_token_provider {
 public:
  ims_oauth_provider(sdk::http_client& http, ims_oauth_options options)
      : cached_token_provider(options.refresh), http_(http), options_(std::move(options)) {
    endpoint_.service = fmt::format("ims (client {})", options_.client_id);
    endpoint_.url = auth_detail::without_trailing_slash(options_.ims_url) + "/ims/token/v3";
    endpoint_.timeout = options_.refresh.request_timeout;
    endpoint_.secrets = {options_.client_secret};
  }

 private:
  sdk::status fetch(issued_token& token) override {
    std::vector<std::pair<std::string, std::string>> fields{
        {"grant_type", "client_credentials"},
        {"client_id", options_.client_id},
        {"client_secret", options_.client_secret}};
    if (!options_.scopes.empty()) fields.emplace_back("scope", join(options_.scopes, ","));
    return auth_detail::request_token(http_, endpoint_, auth_detail::form_encode(fields), token);
  }

  sdk::http_client& http_;
  const ims_oauth_options options_;
  auth_detail::token_endpoint endpoint_;
};

class ims_jwt_provider final : public auth_detail::cached_token_provider {
 public:
  ims_jwt_provider(sdk::http_client& http, ims_jwt_options options)
      : cached_token_provider(options.refresh),
        http_(http),
        options_(std::move(options)),
        signer_("ims jwt provider",
                auth_detail::read_pem(options_.private_key, "ims jwt provider: private_key"),
                options_.private_key_password) {
    const std::string ims = auth_detail::without_trailing_slash(options_.ims_url);
    audience_base_ = options_.audience_base.empty()
                         ? ims
                         : auth_detail::without_trailing_slash(options_.audience_base);
    endpoint_.service = fmt::format("ims (client {})", options_.client_id);
    endpoint_.url = ims + "/ims/exchange/jwt";
    endpoint_.timeout = options_.refresh.request_timeout;
    endpoint_.large_expires_in_is_ms = true;
    endpoint_.secrets = {options_.client_secret};
  }

 private:
  sdk::status fetch(issued_token& token) override {
    const auto now = std::chrono::system_clock::now();
    auto seconds = [](std::chrono::system_clock::time_point t) {
      return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    json::object claims{{"exp", seconds(now + options_.jwt_lifetime)},
                        {"iat", seconds(now)},
                        {"iss", options_.org_id},
                        {"sub", options_.technical_account_id},
                        {"aud", fmt::format("{}/c/{}", audience_base_, options_.client_id)}};
    for (const auto& metascope : options_.metascopes) {
      claims[fmt::format("{}/s/{}", audience_base_, metascope)] = true;
    }
    const std::string jwt =
        signer_.sign(auth_detail::jws_algorithm::rs256, json::object{{"typ", "JWT"}}, claims);
    const std::string form = auth_detail::form_encode({{"client_id", options_.client_id},
                                                       {"client_secret", options_.client_secret},
                                                       {"jwt_token", jwt}});
    return auth_detail::request_token(http_, endpoint_, form, token);
  }

  sdk::http_client& http_;
  const ims_jwt_options options_;
  const auth_detail::jwt_signer signer_;
  std::string audience_base_;
  auth_detail::token_endpoint endpoint_;
};

}  // namespace

std::unique_ptr<sdk::token_provider> make_ims_oauth_provider(sdk::http_client& http,
                                                             ims_oauth_options options) {
  constexpr std::string_view what = "ims oauth provider";
  auth_detail::require(what, "ims_url", options.ims_url);
  auth_detail::require(what, "client_id", options.client_id);
  auth_detail::require(what, "client_secret", options.client_secret);
  return std::make_unique<ims_oauth_provider>(http, std::move(options));
}

std::unique_ptr<sdk::token_provider> make_ims_jwt_provider(sdk::http_client& http,
                                                           ims_jwt_options options) {
  constexpr std::string_view what = "ims jwt provider";
  auth_detail::require(what, "ims_url", options.ims_url);
  auth_detail::require(what, "client_id", options.client_id);
  auth_detail::require(what, "client_secret", options.client_secret);
  auth_detail::require(what, "org_id", options.org_id);
  auth_detail::require(what, "technical_account_id", options.technical_account_id);
  if (options.jwt_lifetime.count() <= 0 || options.jwt_lifetime > std::chrono::hours(24)) {
    throw std::invalid_argument("ims jwt provider: jwt_lifetime must be within (0, 24 h]");
  }
  return std::make_unique<ims_jwt_provider>(http, std::move(options));
}

}  // namespace switchboard::host
