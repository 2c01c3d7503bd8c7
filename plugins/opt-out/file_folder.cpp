// Local and SFTP folders for opt-out.export_files. The SFTP side is libssh2 in blocking mode
// with a session timeout: every call is bounded, and a source calls from one thread at a time.
#include "file_folder.hpp"

#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>

namespace switchboard::optout {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Local folder

class local_folder final : public file_folder {
 public:
  sdk::status list(const std::string& folder, std::vector<std::string>& names) override {
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    if (ec == std::errc::no_such_file_or_directory) {
      return sdk::status::retryable(
          fmt::format("folder {} does not exist on the local file system", folder));
    }
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_regular_file(type_ec)) names.push_back(it->path().filename().string());
    }
    if (ec) {
      return sdk::status::retryable(fmt::format(
          "listing folder {} on the local file system failed: {}", folder, ec.message()));
    }
    return sdk::status::ok();
  }

  sdk::status read(const std::string& path, std::string& content, bool& found) override {
    content.clear();
    std::error_code ec;
    found = fs::is_regular_file(path, ec);
    if (!found) return sdk::status::ok();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return sdk::status::retryable(fmt::format("opening {} on the local file system failed: {}",
                                                path, std::strerror(errno)));
    }
    std::array<char, 65536> buffer{};
    while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
      content.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
      return sdk::status::retryable(
          fmt::format("reading {} on the local file system failed", path));
    }
    return sdk::status::ok();
  }

  sdk::status exists(const std::string& path, bool& found) override {
    std::error_code ec;
    const auto st = fs::symlink_status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return sdk::status::retryable(
          fmt::format("checking {} on the local file system failed: {}", path, ec.message()));
    }
    found = fs::exists(st);
    return sdk::status::ok();
  }

  sdk::status rename(const std::string& from, const std::string& to) override {
    // renameat2(RENAME_NOREPLACE) refuses to overwrite atomically; file systems without it
    // get a check first.
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
      return sdk::status::ok();
    }
    int error = errno;
    if (error == EINVAL || error == ENOSYS) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(to, ec))) {
        error = EEXIST;
      } else if (::rename(from.c_str(), to.c_str()) == 0) {
        return sdk::status::ok();
      } else {
        error = errno;
      }
    }
    return sdk::status::retryable(fmt::format("moving {} to {} on the local file system failed: {}",
                                              from, to, std::strerror(error)));
  }

  sdk::status make_directory(const std::string& path) override {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) {
      return sdk::status::retryable(fmt::format(
          "creating folder {} on the local file system failed: {}", path, ec.message()));
    }
    return sdk::status::ok();
  }

  std::string where() const override { return "the local file system"; }
};

// ---------------------------------------------------------------------------------------------
// SFTP folder

void init_libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

std::string_view sftp_error_name(unsigned long code) {
  switch (code) {
    case LIBSSH2_FX_EOF:
      return "end of file";
    case LIBSSH2_FX_NO_SUCH_FILE:
      return "no such file";
    case LIBSSH2_FX_PERMISSION_DENIED:
      return "permission denied";
    case LIBSSH2_FX_FAILURE:
      return "failure";
    case LIBSSH2_FX_BAD_MESSAGE:
      return "bad message";
    case LIBSSH2_FX_NO_CONNECTION:
      return "no connection";
    case LIBSSH2_FX_CONNECTION_LOST:
      return "connection lost";
    case LIBSSH2_FX_OP_UNSUPPORTED:
      return "operation unsupported";
    case LIBSSH2_FX_INVALID_HANDLE:
      return "invalid handle";
    case LIBSSH2_FX_NO_SUCH_PATH:
      return "no such path";
    case LIBSSH2_FX_FILE_ALREADY_EXISTS:
      return "file already exists";
    case LIBSSH2_FX_WRITE_PROTECT:
      return "write protected";
    case LIBSSH2_FX_NO_MEDIA:
      return "no media";
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
      return "no space on file system";
    case LIBSSH2_FX_QUOTA_EXCEEDED:
      return "quota exceeded";
    case LIBSSH2_FX_LOCK_CONFLICT:
      return "lock conflict";
    case LIBSSH2_FX_DIR_NOT_EMPTY:
      return "directory not empty";
    case LIBSSH2_FX_NOT_A_DIRECTORY:
      return "not a directory";
    case LIBSSH2_FX_INVALID_FILENAME:
      return "invalid file name";
    case LIBSSH2_FX_LINK_LOOP:
      return "link loop";
    default:
      return "unknown sftp status";
  }
}

class socket_fd {
 public:
  socket_fd() = default;
  explicit socket_fd(int fd) : fd_(fd) {}
  ~socket_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  socket_fd(socket_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  socket_fd& operator=(socket_fd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

struct session_free {
  void operator()(LIBSSH2_SESSION* s) const noexcept { libssh2_session_free(s); }
};
struct sftp_shutdown {
  void operator()(LIBSSH2_SFTP* s) const noexcept { libssh2_sftp_shutdown(s); }
};
struct handle_close {
  void operator()(LIBSSH2_SFTP_HANDLE* h) const noexcept { libssh2_sftp_close_handle(h); }
};
using sftp_handle = std::unique_ptr<LIBSSH2_SFTP_HANDLE, handle_close>;

/// One established, authenticated session with its SFTP channel. Destruction says goodbye to
/// the server (bounded by a short timeout) before freeing.
struct sftp_connection {
  socket_fd socket;
  std::unique_ptr<LIBSSH2_SESSION, session_free> session;
  std::unique_ptr<LIBSSH2_SFTP, sftp_shutdown> sftp;
  bool handshaken = false;

  sftp_connection() = default;
  sftp_connection(const sftp_connection&) = delete;
  sftp_connection& operator=(const sftp_connection&) = delete;
  ~sftp_connection() {
    if (!session) return;
    libssh2_session_set_timeout(session.get(), 2000);
    sftp.reset();
    if (handshaken) libssh2_session_disconnect(session.get(), "switchboard: done");
    session.reset();
  }
};

/// A TCP connection to `host`:`port` within `timeout`, or a message.
socket_fd connect_tcp(const std::string& host, int port, std::chrono::milliseconds timeout,
                      std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    why = fmt::format("cannot resolve host {}: {}", host, ::gai_strerror(rc));
    return {};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  why = "no address";
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    socket_fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (fd.get() < 0) {
      why = std::strerror(errno);
      continue;
    }
    const int flags = ::fcntl(fd.get(), F_GETFL, 0);
    ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd.get(), POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        why = fmt::format("no connection within {} ms", timeout.count());
        continue;
      }
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len);
      if (rc < 0) error = errno;
      if (error != 0) {
        why = std::strerror(error);
        continue;
      }
      rc = 0;
    }
    if (rc != 0) {
      why = std::strerror(errno);
      continue;
    }
    ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    return fd;
  }
  return {};
}

class sftp_folder final : public file_folder {
 public:
  explicit sftp_folder(sftp_endpoint endpoint)
      : endpoint_(std::move(endpoint)),
        where_(fmt::format("sftp {}:{}", endpoint_.host, endpoint_.port)) {
    init_libssh2_once();
  }

  sdk::status list(const std::string& folder, std::vector<std::string>& names) override {
    // A kept session may have been closed by the server while idle: one fresh attempt.
    const bool had_session = conn_ != nullptr;
    auto st = list_once(folder, names);
    if (!st && had_session && conn_ == nullptr && st.kind() == sdk::error_kind::retryable) {
      names.clear();
      st = list_once(folder, names);
    }
    return st;
  }

  sdk::status read(const std::string& path, std::string& content, bool& found) override {
    content.clear();
    found = false;
    if (auto st = connect(); !st) return st;
    sftp_handle file(libssh2_sftp_open(conn_->sftp.get(), path.c_str(), LIBSSH2_FXF_READ, 0));
    if (!file) {
      if (no_such_file()) return sdk::status::ok();
      return failure(fmt::format("opening {}", path));
    }
    found = true;
    std::array<char, 65536> buffer{};
    while (true) {
      const auto n = libssh2_sftp_read(file.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) return failure(fmt::format("reading {}", path));
      content.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return sdk::status::ok();
  }

  sdk::status exists(const std::string& path, bool& found) override {
    found = false;
    if (auto st = connect(); !st) return st;
    LIBSSH2_SFTP_ATTRIBUTES attrs{};
    if (libssh2_sftp_stat_ex(conn_->sftp.get(), path.c_str(), static_cast<unsigned>(path.size()),
                             LIBSSH2_SFTP_LSTAT, &attrs) == 0) {
      found = true;
      return sdk::status::ok();
    }
    if (no_such_file()) return sdk::status::ok();
    return failure(fmt::format("checking {}", path));
  }

  sdk::status rename(const std::string& from, const std::string& to) override {
    if (auto st = connect(); !st) return st;
    // No LIBSSH2_SFTP_RENAME_OVERWRITE: the server refuses when `to` exists.
    if (libssh2_sftp_rename_ex(conn_->sftp.get(), from.c_str(), static_cast<unsigned>(from.size()),
                               to.c_str(), static_cast<unsigned>(to.size()),
                               LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE) == 0) {
      return sdk::status::ok();
    }
    return failure(fmt::format("moving {} to {}", from, to));
  }

  sdk::status make_directory(const std::string& path) override {
    if (auto st = connect(); !st) return st;
    std::string prefix;
    std::size_t pos = 0;
    while (pos <= path.size()) {
      const auto slash = path.find('/', pos);
      const auto end = slash == std::string::npos ? path.size() : slash;
      prefix = path.substr(0, end);
      pos = end + 1;
      if (prefix.empty() || prefix.back() == '/' || prefix.ends_with("/.") || prefix == ".") {
        continue;
      }
      bool found = false;
      if (auto st = exists(prefix, found); !st) return st;
      if (found) continue;
      if (libssh2_sftp_mkdir(conn_->sftp.get(), prefix.c_str(), 0755) != 0) {
        bool now = false;
        if (exists(prefix, now) && now) continue;  // created by someone else meanwhile
        return failure(fmt::format("creating folder {}", prefix));
      }
    }
    return sdk::status::ok();
  }

  std::string where() const override { return where_; }

 private:
  sdk::status list_once(const std::string& folder, std::vector<std::string>& names) {
    if (auto st = connect(); !st) return st;
    sftp_handle dir(libssh2_sftp_opendir(conn_->sftp.get(), folder.c_str()));
    if (!dir) {
      if (no_such_file()) {
        return sdk::status::retryable(
            fmt::format("folder {} does not exist on {}", folder, where_));
      }
      return failure(fmt::format("listing folder {}", folder));
    }
    std::array<char, 4096> name{};
    while (true) {
      LIBSSH2_SFTP_ATTRIBUTES attrs{};
      const int n = libssh2_sftp_readdir(dir.get(), name.data(), name.size(), &attrs);
      if (n == 0) break;
      if (n < 0) return failure(fmt::format("listing folder {}", folder));
      if ((attrs.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) != 0 &&
          LIBSSH2_SFTP_S_ISREG(attrs.permissions)) {
        names.emplace_back(name.data(), static_cast<std::size_t>(n));
      }
    }
    return sdk::status::ok();
  }

  std::string session_error() const {
    if (!conn_ || !conn_->session) return "no session";
    char* message = nullptr;
    int length = 0;
    const int code = libssh2_session_last_error(conn_->session.get(), &message, &length, 0);
    std::string text = message != nullptr && length > 0
                           ? std::string(message, static_cast<std::size_t>(length))
                           : std::string("unknown error");
    if (code == LIBSSH2_ERROR_SFTP_PROTOCOL && conn_->sftp) {
      const auto fx = libssh2_sftp_last_error(conn_->sftp.get());
      return fmt::format("{}: {} (sftp status {})", text, sftp_error_name(fx), fx);
    }
    return fmt::format("{} (libssh2 error {})", text, code);
  }

  bool protocol_error() const {
    return conn_ && conn_->session &&
           libssh2_session_last_errno(conn_->session.get()) == LIBSSH2_ERROR_SFTP_PROTOCOL;
  }

  bool no_such_file() const {
    if (!protocol_error() || !conn_->sftp) return false;
    const auto fx = libssh2_sftp_last_error(conn_->sftp.get());
    return fx == LIBSSH2_FX_NO_SUCH_FILE || fx == LIBSSH2_FX_NO_SUCH_PATH;
  }

  /// A retryable status for a failed operation; the session is dropped (and re-established by
  /// the next call) unless the server merely refused the request.
  sdk::status failure(const std::string& what) {
    auto message = fmt::format("{} on {} failed: {}", what, where_, session_error());
    if (!protocol_error()) conn_.reset();
    return sdk::status::retryable(std::move(message));
  }

  /// The connection-phase failure `what`, dropping the half-made session.
  sdk::status setup_failure(const std::string& what, bool permanent = false) {
    auto message = fmt::format("{} with {} failed: {}", what, where_, session_error());
    conn_.reset();
    return permanent ? sdk::status::permanent(std::move(message))
                     : sdk::status::retryable(std::move(message));
  }

  sdk::status connect() {
    if (conn_) return sdk::status::ok();
    auto conn = std::make_unique<sftp_connection>();
    std::string why;
    conn->socket = connect_tcp(endpoint_.host, endpoint_.port, endpoint_.timeout, why);
    if (conn->socket.get() < 0) {
      return sdk::status::retryable(fmt::format("connecting to {} failed: {}", where_, why));
    }
    conn->session.reset(libssh2_session_init());
    if (!conn->session) {
      return sdk::status::retryable(fmt::format("creating an ssh session for {} failed", where_));
    }
    conn_ = std::move(conn);
    auto* session = conn_->session.get();
    libssh2_session_set_blocking(session, 1);
    libssh2_session_set_timeout(session, static_cast<long>(endpoint_.timeout.count()));
    if (libssh2_session_handshake(session, conn_->socket.get()) != 0) {
      return setup_failure("the ssh handshake");
    }
    conn_->handshaken = true;
    const char* digest = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256);
    if (digest == nullptr) return setup_failure("reading the host key sha256 fingerprint");
    const auto shown = ssh_fingerprint(reinterpret_cast<const unsigned char*>(digest));
    if (shown != endpoint_.host_key_sha256) {
      conn_.reset();
      return sdk::status::permanent(fmt::format(
          "host key of {} is {}, not the configured host_key_sha256 {}: refusing to log in (the "
          "server's key changed, or this is not the server meant)",
          where_, shown, endpoint_.host_key_sha256));
    }
    const int rc = libssh2_userauth_publickey_frommemory(
        session, endpoint_.user.c_str(), endpoint_.user.size(), nullptr, 0,
        endpoint_.private_key.c_str(), endpoint_.private_key.size(),
        endpoint_.private_key_passphrase.empty() ? nullptr
                                                 : endpoint_.private_key_passphrase.c_str());
    if (rc != 0) {
      const bool refused = rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED ||
                           rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED || rc == LIBSSH2_ERROR_FILE ||
                           rc == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED ||
                           rc == LIBSSH2_ERROR_PUBLICKEY_UNRECOGNIZED;
      return setup_failure(
          fmt::format("authentication of user {} with the private_key", endpoint_.user), refused);
    }
    conn_->sftp.reset(libssh2_sftp_init(session));
    if (!conn_->sftp) return setup_failure("starting the sftp subsystem");
    return sdk::status::ok();
  }

  const sftp_endpoint endpoint_;
  const std::string where_;
  std::unique_ptr<sftp_connection> conn_;
};

}  // namespace

std::unique_ptr<file_folder> make_local_folder() { return std::make_unique<local_folder>(); }

std::unique_ptr<file_folder> make_sftp_folder(sftp_endpoint endpoint) {
  return std::make_unique<sftp_folder>(std::move(endpoint));
}

std::string ssh_fingerprint(const unsigned char* sha256_digest) {
  std::array<unsigned char, 64> text{};
  const int n = EVP_EncodeBlock(text.data(), sha256_digest, 32);
  std::string out(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  return "SHA256:" + out;
}

std::string join_path(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  if (folder.back() == '/') return folder + name;
  return folder + "/" + name;
}

}  // namespace switchboard::optout
