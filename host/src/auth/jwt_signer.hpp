// Signed JWTs for token requests: PEM loading, certificate thumbprints, RS256/PS256 with OpenSSL.
#pragma once

#include "switchboard/host/token_providers.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace switchboard::host::auth_detail {

/// Unpadded base64url (RFC 4648 §5).
std::string base64url(std::string_view bytes);

/// A random version-4 UUID, lowercase ("jti" values).
std::string random_uuid();

/// The PEM text of `source`, read from its file when given that way. Throws
/// std::invalid_argument naming `what` and the file.
std::string read_pem(const pem_source& source, std::string_view what);

/// The signature algorithms token endpoints accept from us.
enum class jws_algorithm { rs256, ps256 };

/// An RSA private key, optionally with its certificate. Thread-safe after construction.
class jwt_signer {
 public:
  /// Throws std::invalid_argument when the key cannot be read, is not RSA, or (when a
  /// certificate is given) does not belong to the certificate. `what` starts those messages.
  jwt_signer(std::string_view what, const std::string& private_key_pem, const std::string& password,
             const std::string& certificate_pem = {});
  ~jwt_signer();
  jwt_signer(const jwt_signer&) = delete;
  jwt_signer& operator=(const jwt_signer&) = delete;

  /// base64url(SHA-1(certificate DER)): the "x5t" header value.
  const std::string& x5t() const noexcept { return x5t_; }
  /// base64url(SHA-256(certificate DER)): the "x5t#S256" header value.
  const std::string& x5t_s256() const noexcept { return x5t_s256_; }

  /// "<header>.<claims>.<signature>" with header["alg"] set from `alg`.
  std::string sign(jws_algorithm alg, boost::json::object header,
                   const boost::json::object& claims) const;

 private:
  struct key;
  std::unique_ptr<key> key_;
  std::string x5t_;
  std::string x5t_s256_;
};

}  // namespace switchboard::host::auth_detail
