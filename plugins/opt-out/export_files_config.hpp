// Options of opt-out.export_files: where the Campaign export files are (SFTP or a local
// folder), how to reach and trust the SFTP server, and how the CSV is delimited.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace switchboard::optout {

/// Where the export files are read from.
enum class export_location : std::uint8_t { sftp, local };

/// The validated options of one opt-out.export_files source.
struct export_files_settings {
  export_location location = export_location::sftp;
  /// The folder the Campaign workflow drops files into (SFTP: relative to the login directory).
  std::string folder = "d365_loads/exports";
  /// Where finished files are moved; created when missing.
  std::string processed_folder = "d365_loads/exports/processed";
  /// File name suffix of the files to pick up, compared case-insensitively.
  std::string suffix = ".csv";
  std::string host;
  int port = 22;
  std::string user;
  std::string private_key;             ///< the key text (secret)
  std::string private_key_passphrase;  ///< secret; empty when the key is not encrypted
  /// "SHA256:<base64 without padding>", as printed by `ssh-keygen -lf`.
  std::string host_key_sha256;
  char delimiter = ',';
  std::chrono::milliseconds timeout{30000};
};

/// The options opt-out.export_files takes (also declared in export_files_source.hpp).
sdk::config_schema export_files_schema();

/// Reads the options into settings and checks what the schema cannot: the options sftp needs
/// are present for sftp and absent for local, one-character delimiter, fingerprint format.
/// Throws std::invalid_argument ("opt-out.export_files: ...") naming the option and value.
export_files_settings parse_export_files_settings(const sdk::options& options);

}  // namespace switchboard::optout
