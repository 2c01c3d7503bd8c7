// A real OpenSSH server for the opt-out tests: generated ed25519 host and user keys, a listener
// on 127.0.0.1 port 0, and one `sshd -i` (inetd mode) per accepted connection, so no fixed port
// and no waiting for a daemon to come up. SFTP sessions start in root().
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace switchboard::test {

class sshd_server {
 public:
  /// Writes keys and sshd_config into `dir` (which must outlive the server) and starts
  /// listening. Throws std::runtime_error saying why when ssh-keygen or sshd cannot run.
  explicit sshd_server(const std::filesystem::path& dir);
  ~sshd_server();
  sshd_server(const sshd_server&) = delete;
  sshd_server& operator=(const sshd_server&) = delete;

  int port() const noexcept { return port_; }
  /// "SHA256:..." of the host key, as `ssh-keygen -lf` prints it.
  const std::string& host_key_fingerprint() const noexcept { return fingerprint_; }
  /// The private key file of the user allowed to log in.
  std::filesystem::path user_key() const { return dir_ / "user_key"; }
  /// The login name (the user running the tests).
  const std::string& user() const noexcept { return user_; }
  /// The directory SFTP sessions start in: relative paths are resolved against it.
  std::filesystem::path root() const { return dir_ / "sftp-root"; }
  /// What the sshd processes wrote to stderr.
  std::string log() const;
  /// Connections accepted so far.
  std::size_t connections() const noexcept { return connections_.load(); }

  /// Generates an ed25519 key pair at `file` (and `file`.pub) and returns its fingerprint.
  static std::string generate_key(const std::filesystem::path& file);

 private:
  void serve();

  std::filesystem::path dir_;
  std::string user_;
  std::string fingerprint_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<std::size_t> connections_{0};
  std::mutex mutex_;
  std::vector<int> children_;
  std::thread thread_;
};

}  // namespace switchboard::test
