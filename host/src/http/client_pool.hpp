// The connections and the rate limit of one origin, shared by every request to it.
#pragma once

#include "client_connection.hpp"
#include "client_policy.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace switchboard::host::http_detail {

/// A bounded keep-alive pool: at most `max_connections` exist (idle and in use); a request
/// that finds none free waits for one to be released, up to its deadline. Thread-safe; the
/// awaitable members must run on a strand (the caller's own).
class origin_pool {
 public:
  using connection_factory = std::function<std::shared_ptr<client_connection>()>;

  origin_pool(std::size_t max_connections, std::chrono::milliseconds idle_timeout,
              const http_rate_limit& rate_limit, connection_factory make_connection);
  ~origin_pool();
  origin_pool(const origin_pool&) = delete;
  origin_pool& operator=(const origin_pool&) = delete;

  /// An idle connection (the most recently used first), a new one, or one released by another
  /// request; nullptr when `deadline` passes first.
  boost::asio::awaitable<std::shared_ptr<client_connection>> acquire(
      std::chrono::steady_clock::time_point deadline);
  /// Gives a connection back; one that is not `reusable` is closed and its place freed.
  void release(std::shared_ptr<client_connection> connection, bool reusable);
  /// Closes the idle connections (after one of them turned out to be closed by the server).
  void drop_idle();
  /// Waits until the rate limit lets one more attempt go; false (without waiting) when that
  /// would be after `deadline`.
  boost::asio::awaitable<bool> pace(std::chrono::steady_clock::time_point deadline);

 private:
  struct waiter;

  const std::size_t max_connections_;
  const std::chrono::milliseconds idle_timeout_;
  const connection_factory make_connection_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<client_connection>> idle_;
  std::deque<std::shared_ptr<waiter>> waiters_;
  std::size_t open_ = 0;
  token_bucket bucket_;
};

}  // namespace switchboard::host::http_detail
