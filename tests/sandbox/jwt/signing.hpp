// RSA keys, self-signed certificates and JWS signing, for tests and demos that register a
// certificate credential with the Entra or IMS emulator.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace switchboard::sandbox::jwt {

/// A private key and a self-signed certificate over its public key, both PEM.
struct rsa_credential {
  std::string private_key_pem;
  std::string certificate_pem;
};

/// Generates an RSA key of `bits` and a certificate for CN=`common_name`, valid from one hour
/// ago for one year. Throws std::runtime_error with OpenSSL's reason on failure.
rsa_credential generate_rsa_credential(std::string_view common_name, int bits = 2048);

/// Signs `claims` under `header` with the PEM private key and returns the compact JWS. The
/// algorithm is header["alg"]: "RS256" (PKCS#1 v1.5) or "PS256" (PSS, SHA-256, MGF1-SHA-256,
/// 32-byte salt). Throws std::invalid_argument for another alg or a bad key.
std::string sign(const boost::json::object& header, const boost::json::object& claims,
                 std::string_view private_key_pem);

}  // namespace switchboard::sandbox::jwt
