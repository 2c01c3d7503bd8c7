// Emulates the Microsoft Entra ID v2.0 token endpoint for the client-credentials grant.
#pragma once

#include "sandbox/emulator.hpp"
#include "sandbox/jwt/jwt.hpp"
#include "sandbox/jwt/support.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox {

/// An app registration in one tenant with its client credentials.
struct entra_app {
  std::string tenant;                         ///< directory (tenant) id, a GUID in practice
  std::string client_id;                      ///< application (client) id
  std::vector<std::string> client_secrets;    ///< accepted secret values
  std::vector<std::string> certificate_pems;  ///< certificates whose keys may sign assertions
};

struct entra_options {
  std::vector<entra_app> apps;
  /// Other names of a tenant (e.g. "contoso.onmicrosoft.com"), by tenant id; accepted in the URL.
  std::map<std::string, std::vector<std::string>> tenant_domains;
  /// Resources a scope may name ("<resource>/.default"); empty: any https URL.
  std::vector<std::string> resources;
  /// Authorities ("https://host[:port]") whose token URL is a valid assertion audience, besides
  /// "https://<Host header>" of the request itself.
  std::vector<std::string> authorities{"https://login.microsoftonline.com"};
  bool accept_rs256_x5t = true;       ///< older assertion generation: RS256 with "x5t"
  bool accept_ps256_x5t_s256 = true;  ///< current generation: PS256 with "x5t#S256"
  std::chrono::seconds token_lifetime{3599};
  std::chrono::seconds ext_token_lifetime{3599};
  /// Status of invalid_client errors. The reference documents HTTP 400 for token errors; the
  /// public service is often observed answering 401 for invalid_client: set 401 to test that.
  int invalid_client_status = 400;
  /// Time for assertion exp/nbf checks and error timestamps (default: the system clock).
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// POST /{tenant}/oauth2/v2.0/token with a client secret (form field or HTTP Basic) or a signed
/// client assertion (RS256 + x5t, PS256 + x5t#S256), verified with OpenSSL against the
/// registered certificates. Issues tokens into `tokens` with the scope's resource as audience.
class entra_emulator final : public emulator {
 public:
  entra_emulator(token_registry& tokens, entra_options options = {});

  std::string_view name() const noexcept override { return "entra"; }
  server_reply handle(const server_request& request) override;
  std::string classify(const server_request& request) const override;
  /// Actions: register_app, remove_app, add_resource, configure, expire_tokens, apps, tokens.
  std::optional<server_reply> control(std::string_view action, std::string_view method,
                                      const boost::json::value& body) override;

  /// Adds or replaces (by client id) an app. Throws std::invalid_argument for a bad PEM.
  void register_app(const entra_app& app);
  /// Allows one more resource in scopes.
  void add_resource(std::string resource);

 private:
  struct registered_app {
    entra_app app;
    std::vector<jwt::certificate> certificates;
  };
  struct token_error;

  server_reply token(const server_request& request, std::string_view tenant_in_path);
  const std::string* find_tenant(std::string_view name) const;
  void check_assertion(const server_request& request, std::string_view tenant_in_path,
                       const registered_app& app, std::string_view assertion) const;
  server_reply error_reply(const server_request& request, const token_error& error) const;
  void register_locked(const entra_app& app);

  token_registry& tokens_;
  jwt::adjustable_clock clock_;
  mutable std::mutex mutex_;
  entra_options options_;
  std::map<std::string, registered_app, std::less<>> apps_;
};

}  // namespace switchboard::sandbox
