// The folders opt-out.export_files reads: a local directory or a directory on an SFTP server,
// behind one small interface (list, read whole, exists, rename without overwriting, mkdir -p).
#pragma once

#include "switchboard/sdk/status.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::optout {

/// Files of one storage. Paths are "/"-separated; relative ones are resolved by the storage
/// (SFTP: the login directory; local: the process's working directory). Failures are statuses:
/// retryable for connection and I/O trouble, permanent for authentication and host key
/// mismatches. Not thread-safe: one instance per source.
class file_folder {
 public:
  virtual ~file_folder() = default;
  /// The regular files directly in `folder` (names only, unsorted). A missing folder is a
  /// retryable failure that says so.
  virtual sdk::status list(const std::string& folder, std::vector<std::string>& names) = 0;
  /// The whole content of `path`; `found` false (and ok) when there is no such file.
  virtual sdk::status read(const std::string& path, std::string& content, bool& found) = 0;
  /// Whether something exists at `path`.
  virtual sdk::status exists(const std::string& path, bool& found) = 0;
  /// Moves `from` to `to`; fails when `to` exists (never overwrites).
  virtual sdk::status rename(const std::string& from, const std::string& to) = 0;
  /// Creates `path` and its missing parents; ok when it exists.
  virtual sdk::status make_directory(const std::string& path) = 0;
  /// Where the files are, for messages: "sftp host:port" or "the local file system".
  virtual std::string where() const = 0;
};

/// A local directory tree (std::filesystem).
std::unique_ptr<file_folder> make_local_folder();

/// How to reach and trust an SFTP server.
struct sftp_endpoint {
  std::string host;
  int port = 22;
  std::string user;
  std::string private_key;             ///< key text, OpenSSH or PEM
  std::string private_key_passphrase;  ///< empty when not encrypted
  std::string host_key_sha256;         ///< "SHA256:<base64 without padding>"
  std::chrono::milliseconds timeout{30000};
};

/// An SFTP server (libssh2, blocking, one session kept open and re-established after a
/// failure). The session is shut down cleanly when the object is destroyed.
std::unique_ptr<file_folder> make_sftp_folder(sftp_endpoint endpoint);

/// "SHA256:<base64 without padding>" of a 32-byte digest, as `ssh-keygen -lf` prints it.
std::string ssh_fingerprint(const unsigned char* sha256_digest);

/// "a/b" from "a" and "b" ("b" alone when `folder` is empty).
std::string join_path(const std::string& folder, const std::string& name);

}  // namespace switchboard::optout
