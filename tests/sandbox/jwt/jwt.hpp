// JSON Web Tokens for the token-endpoint emulators: base64url, compact parsing, and RS256/PS256
// signature checks against registered X.509 certificates with OpenSSL.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::sandbox::jwt {

/// Unpadded base64url (RFC 4648 §5), as JWS uses it.
std::string base64url_encode(std::string_view bytes);
/// Decodes base64url; trailing '=' padding is tolerated. nullopt on any other character or a
/// length no encoder produces.
std::optional<std::string> base64url_decode(std::string_view text);
/// Padded standard base64.
std::string base64_encode(std::string_view bytes);
/// Decodes padded or unpadded standard base64; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);
/// Upper-case hex of raw bytes (thumbprints in Entra error messages).
std::string hex_upper(std::string_view bytes);

/// A compact JWS split into its parts; nothing verified yet.
struct parsed_token {
  boost::json::object header;
  boost::json::object claims;
  std::string signing_input;  ///< "<header>.<payload>" exactly as sent
  std::string signature;      ///< raw signature bytes
};

/// Parses "<header>.<claims>.<signature>" (each base64url, the first two JSON objects). On
/// failure returns nullopt and says why in `reason`.
std::optional<parsed_token> parse(std::string_view compact, std::string& reason);

/// A claim that is a JSON number (integer or integral double), or nullopt.
std::optional<std::int64_t> integer_claim(const boost::json::object& claims, std::string_view name);
/// A claim that is a JSON string, or nullopt.
std::optional<std::string> string_claim(const boost::json::object& claims, std::string_view name);

/// An X.509 certificate registered for a client. Copyable; holds DER bytes only.
class certificate {
 public:
  /// Reads the first certificate of a PEM text. Throws std::invalid_argument when there is none.
  static certificate from_pem(std::string_view pem);

  const std::string& der() const noexcept { return der_; }
  /// SHA-1 of the DER encoding (raw 20 bytes): JWS "x5t" is its base64url.
  std::string sha1_thumbprint() const;
  /// SHA-256 of the DER encoding (raw 32 bytes): JWS "x5t#S256" is its base64url.
  std::string sha256_thumbprint() const;
  std::chrono::system_clock::time_point not_before() const noexcept { return not_before_; }
  std::chrono::system_clock::time_point not_after() const noexcept { return not_after_; }

  /// Verifies `signature` over `input` with the certificate's RSA public key. `alg` "RS256":
  /// RSASSA-PKCS1-v1_5 with SHA-256; "PS256": RSASSA-PSS with SHA-256, MGF1-SHA-256 and a
  /// 32-byte salt (RFC 7518 §3.5). Any other alg, or a non-RSA key, is false.
  bool verify(std::string_view alg, std::string_view input, std::string_view signature) const;

 private:
  certificate() = default;
  std::string der_;
  std::string public_key_der_;
  std::chrono::system_clock::time_point not_before_{};
  std::chrono::system_clock::time_point not_after_{};
};

}  // namespace switchboard::sandbox::jwt
