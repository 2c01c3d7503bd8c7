// The test sshd: a loopback listener whose connections each get their own `sshd -i`.
#include "sshd_server.hpp"

#include "support/process.hpp"
#include "support/test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace switchboard::test {
namespace {

constexpr const char* sshd_path = "/usr/sbin/sshd";
constexpr const char* keygen_path = "/usr/bin/ssh-keygen";

[[noreturn]] void cannot(const std::string& why) {
  throw std::runtime_error("the test sshd cannot run: " + why);
}

}  // namespace

std::string sshd_server::generate_key(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::remove(file, ec);
  std::filesystem::remove(file.string() + ".pub", ec);
  const auto made = run_process(
      {keygen_path, "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", file.string()});
  if (made.exit_code != 0) {
    cannot(fmt::format("{} -t ed25519 -f {} exited with {}: {}{}", keygen_path, file.string(),
                       made.exit_code, made.out, made.err));
  }
  const auto listed = run_process({keygen_path, "-lf", file.string() + ".pub"});
  std::istringstream words(listed.out);
  std::string bits;
  std::string fingerprint;
  words >> bits >> fingerprint;
  if (listed.exit_code != 0 || !fingerprint.starts_with("SHA256:")) {
    cannot(fmt::format("{} -lf {}.pub printed \"{}\" ({})", keygen_path, file.string(), listed.out,
                       listed.err));
  }
  return fingerprint;
}

sshd_server::sshd_server(const std::filesystem::path& dir) : dir_(dir) {
  if (::access(sshd_path, X_OK) != 0) {
    cannot(fmt::format("{} is not there (install openssh-server)", sshd_path));
  }
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) {
    user_ = pw->pw_name;
  } else {
    cannot("the current user has no passwd entry");
  }
  std::filesystem::create_directories(root());
  fingerprint_ = generate_key(dir_ / "host_key");
  generate_key(dir_ / "user_key");
  write_file(dir_ / "authorized_keys", read_file(dir_ / "user_key.pub"));
  write_file(dir_ / "sshd_config",
             fmt::format("AuthorizedKeysFile {}\n"
                         "StrictModes no\n"
                         "UsePAM no\n"
                         "PasswordAuthentication no\n"
                         "KbdInteractiveAuthentication no\n"
                         "PubkeyAuthentication yes\n"
                         "PermitRootLogin prohibit-password\n"
                         "PidFile none\n"
                         "Subsystem sftp internal-sftp -d {}\n"
                         "LogLevel ERROR\n",
                         (dir_ / "authorized_keys").string(), root().string()));
  // sshd's privilege separation directory.
  std::error_code ec;
  std::filesystem::create_directories("/run/sshd", ec);
  const auto checked = run_process(
      {sshd_path, "-t", "-f", (dir_ / "sshd_config").string(), "-h", (dir_ / "host_key").string()});
  if (checked.exit_code != 0) {
    cannot(fmt::format("{} -t (as uid {}) exited with {}: {}{}", sshd_path, ::geteuid(),
                       checked.exit_code, checked.out, checked.err));
  }

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    cannot(fmt::format("listening on 127.0.0.1:0 failed: {}", std::strerror(errno)));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

sshd_server::~sshd_server() {
  if (wake_[1] >= 0) {
    const char c = 'x';
    [[maybe_unused]] const auto n = ::write(wake_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    for (const int pid : children_) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
  for (const int fd : {listen_fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) ::close(fd);
  }
}

std::string sshd_server::log() const { return read_file(dir_ / "sshd.log"); }

void sshd_server::serve() {
  const std::string config = (dir_ / "sshd_config").string();
  const std::string host_key = (dir_ / "host_key").string();
  const std::string log_file = (dir_ / "sshd.log").string();
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    ++connections_;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, conn, 0);
    posix_spawn_file_actions_adddup2(&actions, conn, 1);
    posix_spawn_file_actions_addopen(&actions, 2, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    std::vector<std::string> args{sshd_path, "-i", "-e", "-f", config, "-h", host_key};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int pid = -1;
    if (::posix_spawn(&pid, sshd_path, &actions, &attr, argv.data(), environ) == 0) {
      std::lock_guard lock(mutex_);
      children_.push_back(pid);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    ::close(conn);
    // Reap the sessions that ended.
    std::lock_guard lock(mutex_);
    std::erase_if(children_, [](int child) {
      int status = 0;
      return ::waitpid(child, &status, WNOHANG) == child;
    });
  }
}

}  // namespace switchboard::test
