// Service protection limits of the Dataverse emulator: requests per window and concurrency.
#include "sandbox/dataverse/service_protection.hpp"

#include "sandbox/dataverse/odata_errors.hpp"

#include <algorithm>

namespace switchboard::sandbox::dataverse {
namespace {

server_reply throttled(std::string_view code, std::string message, long long retry_after) {
  auto reply = error_reply({429, std::string(code), std::move(message)});
  reply.headers.push_back({"Retry-After", std::to_string(std::max(1LL, retry_after))});
  return reply;
}

}  // namespace

service_protection::service_protection(std::size_t requests_per_window, std::chrono::seconds window,
                                       std::size_t max_concurrent, clock_function clock)
    : requests_per_window_(requests_per_window),
      window_(window),
      max_concurrent_(max_concurrent),
      clock_(clock ? std::move(clock) : clock_function(&std::chrono::system_clock::now)) {}

void service_protection::expire(std::deque<std::chrono::system_clock::time_point>& times,
                                std::chrono::system_clock::time_point now) const {
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
}

std::optional<server_reply> service_protection::enter(std::string_view user) {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  if (in_flight_ >= max_concurrent_) {
    return throttled(codes::concurrency_limit,
                     "Number of concurrent requests exceeded the limit of " +
                         std::to_string(max_concurrent_) + ".",
                     1);
  }
  auto it = requests_.find(user);
  if (it == requests_.end())
    it = requests_.emplace(std::string(user), std::deque<std::chrono::system_clock::time_point>{})
             .first;
  auto& times = it->second;
  expire(times, now);
  if (times.size() >= requests_per_window_) {
    const auto wait = times.empty()
                          ? window_
                          : std::chrono::duration_cast<std::chrono::seconds>(
                                window_ - (now - times.front()) + std::chrono::milliseconds(999));
    return throttled(codes::request_limit,
                     "Number of requests exceeded the limit of " +
                         std::to_string(requests_per_window_) + " over time window of " +
                         std::to_string(window_.count()) + " seconds.",
                     wait.count());
  }
  times.push_back(now);
  ++in_flight_;
  return std::nullopt;
}

void service_protection::leave() {
  std::lock_guard lock(mutex_);
  if (in_flight_ > 0) --in_flight_;
}

std::size_t service_protection::remaining(std::string_view user) {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  const auto it = requests_.find(user);
  if (it == requests_.end()) return requests_per_window_;
  expire(it->second, now);
  return requests_per_window_ > it->second.size() ? requests_per_window_ - it->second.size() : 0;
}

}  // namespace switchboard::sandbox::dataverse
