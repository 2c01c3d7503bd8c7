// Pure decisions of the HTTP client: URL checks, retry timing, status classes (no I/O here).
#pragma once

#include "switchboard/host/http_client.hpp"
#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::host::http_detail {

/// The parts of an absolute https URL the client needs.
struct request_target {
  std::string origin;       ///< "https://host:port", the pool and metrics key
  std::string host;         ///< for DNS, SNI and certificate checks (IPv6 without brackets)
  std::string port;         ///< decimal
  std::string host_header;  ///< "host[:port]" as sent in Host (port left out when 443)
  std::string target;       ///< path and query, at least "/"
  bool host_is_address = false;
};

/// Parses `url`; on failure returns nullopt and says why in `error`.
std::optional<request_target> parse_request_url(std::string_view url, std::string& error);

/// Empty when the header may be sent, otherwise why not.
std::string check_header(const sdk::http_header& header);

/// True for headers the client sets itself (Host, Content-Length, Connection, ...).
bool is_managed_header(std::string_view name) noexcept;

/// The wait a Retry-After value asks for (delta-seconds or IMF-fixdate HTTP-date), never
/// negative; nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

/// The backoff before retry number `retry` (1 = first retry): initial·2^(retry-1) capped at
/// max_backoff, of which `jitter` (0..1) keeps 50–100 %.
std::chrono::milliseconds backoff_delay(const http_retry_policy& policy, unsigned retry,
                                        double jitter) noexcept;

/// A uniform random number in [0, 1) from a per-thread generator.
double random_unit() noexcept;

/// Status codes the policy retries: 429 and every 5xx.
bool is_retryable_status(int status_code) noexcept;

/// GET, HEAD, OPTIONS, TRACE, PUT, DELETE.
bool is_idempotent(std::string_view method) noexcept;

/// "2xx", "3xx", "4xx", "5xx", or "error" for anything else.
std::string_view status_class(int status_code) noexcept;

/// The token bucket of one origin. Not thread-safe: the owner locks.
class token_bucket {
 public:
  explicit token_bucket(const http_rate_limit& limit) noexcept;
  /// Takes one token now or reserves the next one; returns how long to wait before sending.
  std::chrono::steady_clock::duration reserve(std::chrono::steady_clock::time_point now) noexcept;
  /// Gives back a reservation that was not used.
  void give_back() noexcept;
  bool enabled() const noexcept { return rate_ > 0; }

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point updated_{};
};

}  // namespace switchboard::host::http_detail
