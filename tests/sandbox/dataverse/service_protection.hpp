// Service protection limits of the Dataverse emulator: requests per window and concurrency.
#pragma once

#include "sandbox/emulator.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::sandbox::dataverse {

/// Counts requests per user over a sliding window and requests in flight, and answers 429
/// with Retry-After and the documented error when a limit is exceeded. Thread-safe.
class service_protection {
 public:
  using clock_function = std::function<std::chrono::system_clock::time_point()>;

  service_protection(std::size_t requests_per_window, std::chrono::seconds window,
                     std::size_t max_concurrent, clock_function clock);

  /// Admits a request of `user` (counted in the window and in flight), or returns the 429
  /// reply. An admitted request must be released with leave().
  std::optional<server_reply> enter(std::string_view user);
  void leave();
  /// Requests the user may still send in the current window.
  std::size_t remaining(std::string_view user);

 private:
  void expire(std::deque<std::chrono::system_clock::time_point>& times,
              std::chrono::system_clock::time_point now) const;

  std::size_t requests_per_window_;
  std::chrono::seconds window_;
  std::size_t max_concurrent_;
  clock_function clock_;
  std::mutex mutex_;
  std::size_t in_flight_ = 0;
  std::map<std::string, std::deque<std::chrono::system_clock::time_point>, std::less<>> requests_;
};

}  // namespace switchboard::sandbox::dataverse
