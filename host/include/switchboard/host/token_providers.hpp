// Access-token providers for Entra ID (secret or certificate) and Adobe IMS (OAuth S2S or JWT).
#pragma once

#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::host {

/// PEM text given inline or as a file to read it from (when `pem` is empty).
struct pem_source {
  std::string pem;
  std::string file;
};

/// When tokens are renewed and how long one token request may take. A cached token is renewed
/// once less than max(refresh_margin, 10 % of its lifetime) is left (at most half its
/// lifetime); until it actually expires it is still handed out while a renewal runs.
struct token_refresh_policy {
  std::chrono::seconds refresh_margin{300};
  /// Deadline of one token request, the HTTP client's retries included.
  std::chrono::milliseconds request_timeout{30000};
};

/// Entra ID client credentials with a client secret.
struct entra_secret_options {
  /// Scheme and host of the token service; the token URL is
  /// "<authority>/<tenant>/oauth2/v2.0/token".
  std::string authority = "https://login.microsoftonline.com";
  std::string tenant;     ///< directory id (GUID) or domain
  std::string client_id;  ///< application (client) id
  std::string client_secret;
  /// The environment URL, e.g. "https://contoso.crm.dynamics.com"; the scope requested is
  /// "<resource>/.default".
  std::string resource;
  token_refresh_policy refresh;
};

/// The client-assertion generations Entra documents.
enum class entra_assertion_format {
  ps256_x5t_s256,  ///< current: RSASSA-PSS SHA-256 signature, "x5t#S256" SHA-256 thumbprint
  rs256_x5t,       ///< older: RSASSA-PKCS1-v1_5 SHA-256 signature, "x5t" SHA-1 thumbprint
};

/// Entra ID client credentials with a certificate: a client-assertion JWT signed with the
/// certificate's RSA private key (aud = the token URL, iss = sub = client id, random jti,
/// nbf/iat = now, exp = now + assertion_lifetime).
struct entra_certificate_options {
  std::string authority = "https://login.microsoftonline.com";
  std::string tenant;
  std::string client_id;
  std::string resource;
  pem_source certificate;            ///< the certificate uploaded to the app registration
  pem_source private_key;            ///< its RSA private key (PKCS#8 or PKCS#1)
  std::string private_key_password;  ///< for an encrypted key; empty otherwise
  entra_assertion_format format = entra_assertion_format::ps256_x5t_s256;
  std::chrono::seconds assertion_lifetime{600};
  token_refresh_policy refresh;
};

/// Adobe IMS OAuth server-to-server: POST <ims_url>/ims/token/v3 with client_credentials.
struct ims_oauth_options {
  std::string ims_url = "https://ims-na1.adobelogin.com";
  std::string client_id;  ///< the API key
  std::string client_secret;
  /// Scopes of the credential, sent comma-separated.
  std::vector<std::string> scopes{"openid", "AdobeID", "campaign_sdk",
                                  "additional_info.projectedProductContext"};
  token_refresh_policy refresh;
};

/// Adobe IMS service account (JWT), deprecated by Adobe: POST <ims_url>/ims/exchange/jwt with an
/// RS256 JWT (iss = org id, sub = technical account id, aud = "<audience_base>/c/<client_id>",
/// one `"<audience_base>/s/<metascope>": true` claim per metascope, exp = now + jwt_lifetime).
/// An expires_in above 10^6 in the answer is read as milliseconds.
struct ims_jwt_options {
  std::string ims_url = "https://ims-na1.adobelogin.com";
  /// The IMS host the JWT names; empty = ims_url.
  std::string audience_base;
  std::string client_id;
  std::string client_secret;
  std::string org_id;                ///< "<id>@AdobeOrg"
  std::string technical_account_id;  ///< "<id>@techacct.adobe.com"
  std::vector<std::string> metascopes{"ent_campaign_sdk"};
  pem_source private_key;
  std::string private_key_password;
  std::chrono::seconds jwt_lifetime{600};
  token_refresh_policy refresh;
};

// Every provider caches its token, renews it ahead of expiry, lets concurrent get() callers
// share one renewal, and turns endpoint refusals into permanent statuses quoting the endpoint's
// error and error_description (never the secret). Transport failures keep the HTTP client's
// kind (retryable once its retries are spent). `http` is borrowed and must outlive the
// provider; the clients of host::make_http_client run providers off their io threads, so one
// client may both fetch the tokens and send the requests they authorize. The factories throw
// std::invalid_argument for missing fields and unreadable or mismatched PEM (naming the field or
// file, never a secret).

/// Entra ID with a client secret.
std::unique_ptr<sdk::token_provider> make_entra_secret_provider(sdk::http_client& http,
                                                                entra_secret_options options);
/// Entra ID with a certificate (client assertion).
std::unique_ptr<sdk::token_provider> make_entra_certificate_provider(
    sdk::http_client& http, entra_certificate_options options);
/// Adobe IMS OAuth server-to-server.
std::unique_ptr<sdk::token_provider> make_ims_oauth_provider(sdk::http_client& http,
                                                             ims_oauth_options options);
/// Adobe IMS JWT exchange (legacy service account).
std::unique_ptr<sdk::token_provider> make_ims_jwt_provider(sdk::http_client& http,
                                                           ims_jwt_options options);

}  // namespace switchboard::host
