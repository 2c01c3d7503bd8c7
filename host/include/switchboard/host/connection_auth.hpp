// The token providers of tenant connections, built from each connection's "auth" object.
#pragma once

#include "switchboard/host/config.hpp"
#include "switchboard/sdk/http.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace switchboard::host {

/// One token provider per connection that has an "auth" object:
///   {"type": "entra_secret", "tenant", "client_id", "client_secret", "resource", "authority"?}
///   {"type": "entra_certificate", "tenant", "client_id", "resource", "certificate_file",
///    "private_key_file", "private_key_password"?, "format"?: "ps256"|"rs256", "authority"?}
///   {"type": "ims_oauth", "client_id", "client_secret", "scopes"?, "ims_url"?}
///   {"type": "ims_jwt", "client_id", "client_secret", "org_id", "technical_account_id",
///    "private_key_file", "private_key_password"?, "metascopes"?, "ims_url"?, "audience_base"?}
/// Values may be secret references; secrets are registered for redaction. Thread-safe to use.
class connection_auth {
 public:
  connection_auth() = default;
  /// Builds the providers (no network traffic until a token is asked for). Throws config_error
  /// naming the file and pointer of a bad "auth" value.
  connection_auth(const host_config& config, sdk::http_client& http,
                  const secret_resolver& resolver, secret_registry& secrets);

  /// The provider of a tenant's connection, or nullptr when it has no "auth".
  sdk::token_provider* find(std::string_view tenant, std::string_view connection) const noexcept;

  /// The option definitions of one auth type, or nullptr for an unknown type.
  static const sdk::config_schema* schema(std::string_view type);

 private:
  std::map<std::pair<std::string, std::string>, std::unique_ptr<sdk::token_provider>, std::less<>>
      providers_;
};

}  // namespace switchboard::host
