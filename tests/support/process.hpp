// Running the switchboard executable (or any program) as a child process in tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::test {

/// How a child ended and what it printed.
struct process_result {
  int exit_code = -1;   ///< -1 when killed by a signal
  int term_signal = 0;  ///< the signal that ended it, or 0
  std::string out;
  std::string err;
};

/// A started child process whose stdout/stderr go to files. Killed (SIGKILL) if still running
/// when destroyed.
class child_process {
 public:
  /// Starts `args[0]` with `args`; `env` entries ("NAME=value") are added to the environment.
  explicit child_process(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const noexcept { return pid_; }
  void signal(int sig) const;
  /// Waits for the child to end, at most `deadline` (then kills it and fails the result with
  /// exit_code -2).
  process_result wait(std::chrono::milliseconds deadline = std::chrono::seconds(120));
  /// What it has written to stdout so far.
  std::string out_so_far() const;

 private:
  int pid_ = -1;
  bool reaped_ = false;
  std::filesystem::path dir_;
};

/// Runs a program to completion.
process_result run_process(const std::vector<std::string>& args,
                           const std::vector<std::string>& env = {},
                           std::chrono::milliseconds deadline = std::chrono::seconds(120));

}  // namespace switchboard::test
