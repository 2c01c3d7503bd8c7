// A throwaway certificate authority and server certificate, generated at start with OpenSSL.
#pragma once

#include "switchboard/host/http_server.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace switchboard::sandbox {

/// A CA certificate and a server certificate it signed (EC P-256, valid from one hour ago for
/// 30 days), for "localhost" and 127.0.0.1 unless other names are given.
struct tls_identity {
  std::string ca_certificate_pem;
  std::string server_certificate_pem;
  std::string server_private_key_pem;

  /// Generates a new identity. Throws std::runtime_error with OpenSSL's reason on failure.
  static tls_identity generate(const std::vector<std::string>& dns_names = {"localhost"},
                               const std::vector<std::string>& ip_addresses = {"127.0.0.1"});
  /// The server side, for host::https_server.
  host::tls_credentials credentials() const;
  /// Writes the CA certificate (the file clients trust).
  void write_ca(const std::filesystem::path& file) const;
};

}  // namespace switchboard::sandbox
