// One keep-alive TLS connection of the HTTP client and the exchange of one request over it.
#pragma once

#include "client_policy.hpp"
#include "switchboard/sdk/http.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace switchboard::host::http_detail {

/// Why an attempt produced no response.
enum class attempt_failure : std::uint8_t {
  none,
  timeout,     ///< connect, write or read deadline (retryable)
  connect,     ///< resolving or connecting failed (retryable)
  tls_verify,  ///< the server certificate was not accepted (permanent)
  tls,         ///< the TLS handshake failed otherwise (permanent)
  closed,      ///< the connection was closed or reset (retryable)
  truncated,   ///< the answer ended before it was complete (retryable)
  body_limit,  ///< the body is larger than max_response_body (permanent)
  malformed,   ///< not a valid HTTP/1.x response (permanent)
};

/// True for the failures the retry policy may retry.
constexpr bool is_retryable(attempt_failure f) noexcept {
  return f == attempt_failure::timeout || f == attempt_failure::connect ||
         f == attempt_failure::closed || f == attempt_failure::truncated;
}

/// Counters shared by the client and its connections.
struct client_counters {
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> stale_replaced{0};
  std::atomic<std::uint64_t> token_refreshes{0};
};

/// Limits every connection of a client applies.
struct connection_settings {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{60000};
  std::size_t max_response_body = std::size_t{64} << 20;
  bool verify_peer = true;
};

/// One attempt as the connection sends it. Borrowed pointers outlive the exchange.
struct attempt_request {
  const sdk::http_request* request = nullptr;
  const request_target* target = nullptr;
  std::string_view bearer_token;                   ///< empty: no Authorization from the client
  std::chrono::steady_clock::time_point deadline;  ///< the request's total deadline
};

/// What one attempt produced: a response, or a failure and its cause.
struct attempt_result {
  std::optional<sdk::http_response> response;
  attempt_failure failure = attempt_failure::none;
  std::string cause;            ///< lowercase, for messages
  bool stale = false;           ///< a reused connection was closed before any byte of the answer
  bool reusable = false;        ///< the connection may serve another request
  bool total_deadline = false;  ///< the request's total deadline ran out
};

/// A connection to one origin; connects on its first exchange. Used by one request at a time.
class client_connection {
 public:
  virtual ~client_connection() = default;
  /// Sends one request and reads its answer. Runs on the caller's strand.
  virtual boost::asio::awaitable<attempt_result> exchange(const attempt_request& request) = 0;
  /// When the last exchange ended (or the connection was made).
  virtual std::chrono::steady_clock::time_point last_used() const noexcept = 0;
};

/// A new, not yet connected connection to `origin`. `tls` and `counters` are borrowed and
/// must outlive it.
std::shared_ptr<client_connection> make_client_connection(boost::asio::io_context& io,
                                                          boost::asio::ssl::context& tls,
                                                          const request_target& origin,
                                                          const connection_settings& settings,
                                                          client_counters& counters);

}  // namespace switchboard::host::http_detail
