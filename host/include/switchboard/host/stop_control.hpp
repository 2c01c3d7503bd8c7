// Cooperative shutdown: "stop" ends intake, "abort" abandons in-flight work; both wake waiters.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace switchboard::host {

/// Which request interrupts a wait.
enum class stop_level : unsigned char {
  stop,   ///< intake stops: sources wait on this
  abort,  ///< in-flight work is abandoned: sinks and retries wait on this
};

/// A stop/abort flag pair that can be waited on. A child (e.g. one route) is stopped when its
/// parent (the host) is, but not the other way round. Thread-safe.
class stop_control {
 public:
  stop_control() = default;
  /// A child of `parent`; `parent` must outlive it.
  explicit stop_control(stop_control& parent);
  ~stop_control();
  stop_control(const stop_control&) = delete;
  stop_control& operator=(const stop_control&) = delete;

  void request_stop();
  /// Also implies stop.
  void request_abort();
  bool stop_requested() const noexcept;
  bool abort_requested() const noexcept;
  bool requested(stop_level level) const noexcept {
    return level == stop_level::stop ? stop_requested() : abort_requested();
  }

  /// Waits for `duration` unless `level` is requested first. Returns true when the full time
  /// passed, false when interrupted.
  bool wait_for(std::chrono::milliseconds duration, stop_level level);

 private:
  void notify();

  stop_control* parent_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<bool> abort_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<stop_control*> children_;
};

}  // namespace switchboard::host
