// Emulates Adobe IMS: OAuth server-to-server tokens, the legacy JWT exchange and the profile.
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

/// A Developer Console credential (project) as IMS knows it.
struct ims_client {
  std::string client_id;                      ///< the API key
  std::vector<std::string> client_secrets;    ///< accepted client secrets
  std::string org_id;                         ///< "<id>@AdobeOrg": token audience, JWT iss
  std::string technical_account_id;           ///< "<id>@techacct.adobe.com": JWT sub
  std::vector<std::string> scopes;            ///< OAuth S2S scopes on the credential; empty: any
  std::vector<std::string> metascopes;        ///< JWT metascopes, e.g. "ent_campaign_sdk"
  std::vector<std::string> certificate_pems;  ///< JWT signing certificates
  /// Campaign instances in the IMS profile's product contexts (organization_id).
  std::vector<std::string> organizations;
};

struct ims_options {
  std::vector<ims_client> clients;
  /// The IMS host as JWTs name it: aud "<ims_base>/c/<client_id>", metascope claims
  /// "<ims_base>/s/<metascope>".
  std::string ims_base = "https://ims-na1.adobelogin.com";
  std::chrono::seconds token_lifetime{86399};
  /// The legacy exchange answers expires_in in milliseconds (older IMS responses do; not
  /// confirmed for this endpoint). false: seconds.
  bool exchange_expires_in_ms = true;
  /// Time for JWT exp checks (default: the system clock).
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// POST /ims/token/v3 (client_credentials), POST /ims/exchange/jwt (RS256 JWT verified with
/// OpenSSL against the client's certificates) and GET /ims/profile/v1. Tokens go into `tokens`
/// with the client's org id as audience.
class ims_emulator final : public emulator {
 public:
  ims_emulator(token_registry& tokens, ims_options options = {});

  std::string_view name() const noexcept override { return "ims"; }
  server_reply handle(const server_request& request) override;
  std::string classify(const server_request& request) const override;
  /// Actions: register_client, remove_client, configure, advance_clock, expire_tokens, clients,
  /// tokens.
  std::optional<server_reply> control(std::string_view action, std::string_view method,
                                      const boost::json::value& body) override;

  /// Adds or replaces (by client id) a credential. Throws std::invalid_argument for a bad PEM.
  void register_client(const ims_client& client);

 private:
  struct registered_client {
    ims_client client;
    std::vector<jwt::certificate> certificates;
  };
  struct ims_error;

  server_reply token_v3(const server_request& request);
  server_reply exchange_jwt(const server_request& request);
  server_reply profile(const server_request& request);
  const registered_client& authenticate(std::string_view client_id, std::string_view secret) const;
  void check_jwt(const registered_client& client, std::string_view jwt_token) const;
  void register_locked(const ims_client& client);

  token_registry& tokens_;
  jwt::adjustable_clock clock_;
  mutable std::mutex mutex_;
  ims_options options_;
  std::map<std::string, registered_client, std::less<>> clients_;
};

}  // namespace switchboard::sandbox
