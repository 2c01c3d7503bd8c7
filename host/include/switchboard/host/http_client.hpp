// The host's HTTPS client: pooled keep-alive connections, deadlines, retries and rate limits.
#pragma once

#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace switchboard::host {

class metrics_registry;

/// How the client retries. 429 and 503 wait for Retry-After (delta-seconds or HTTP-date) when
/// the server sends one; other 5xx, timeouts and dropped connections back off exponentially
/// with jitter. Other 4xx, TLS verification failures and malformed responses are never retried.
struct http_retry_policy {
  /// Attempts per request, the first included (1 = no retries).
  unsigned max_attempts = 4;
  /// The first backoff; each retry doubles it, up to max_backoff. Jitter keeps 50–100 % of it.
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{30000};
  /// A Retry-After longer than this is not waited for: the 429/503 comes back to the caller.
  std::chrono::seconds max_retry_after{120};
};

/// A token bucket per origin; every attempt takes one token.
struct http_rate_limit {
  /// Sustained requests per second; 0 turns the limit off.
  double requests_per_second = 0;
  /// Requests that may go out back to back after an idle period (at least 1).
  unsigned burst = 1;
};

/// What the client is built with. Validated by make_http_client().
struct http_client_options {
  /// PEM file of the certificate authorities to trust; empty = the system store.
  std::string ca_file;
  /// Verify the server certificate chain and that it names the host (SNI is always sent for
  /// host names). Turn off only for a sandbox.
  bool verify_peer = true;
  /// Connections kept per origin (scheme, host, port), in use and idle together.
  std::size_t max_connections_per_origin = 16;
  /// Resolving and connecting, TLS handshake included.
  std::chrono::milliseconds connect_timeout{10000};
  /// Sending a request and receiving its whole response (one deadline for both).
  std::chrono::milliseconds read_timeout{60000};
  /// Idle pooled connections older than this are closed instead of reused (keep it below the
  /// servers' keep-alive timeouts).
  std::chrono::milliseconds idle_timeout{20000};
  /// Larger response bodies fail the request (permanent, not retried).
  std::size_t max_response_body = std::size_t{64} << 20;
  /// Threads running the client's I/O.
  unsigned io_threads = 2;
  http_retry_policy retry;
  http_rate_limit rate_limit;
};

/// Counters since the client was built, for tests and benchmarks.
struct http_client_stats {
  std::uint64_t connections_opened = 0;  ///< TCP+TLS connections established
  std::uint64_t attempts = 0;            ///< requests written to a connection
  std::uint64_t retries = 0;             ///< attempts after the first (policy retries)
  std::uint64_t stale_replaced = 0;      ///< reused connections found closed, replaced at once
  std::uint64_t token_refreshes = 0;     ///< 401 answers that led to a new token
};

/// sdk::http_client with statistics. send() and send_many() block the calling thread and must
/// not be called from the client's own I/O threads (they return a permanent error if they are).
///
/// Outcomes: `result` is ok when a response arrived, whatever its status code (a 429/5xx that
/// outlived the retries comes back as a response). Otherwise it is retryable for transport
/// failures (the message names the method, URL, attempts and cause) and permanent for TLS
/// verification failures, body-limit overruns, malformed responses and invalid requests.
///
/// Metrics recorded when a registry is given, labelled route = origin
/// ("https://host:port"): counter `http_client_requests_total` (component = "2xx", "3xx",
/// "4xx", "5xx" or "error"; one per send), counter `http_client_retries_total`, histogram
/// `http_client_request_seconds` (whole exchange, retries included).
class https_client : public sdk::http_client {
 public:
  virtual http_client_stats stats() const = 0;
};

/// Builds a client and starts its I/O threads. `metrics` is borrowed and may be null.
/// Throws std::invalid_argument for invalid options and std::runtime_error when the CA file
/// cannot be loaded. The destructor closes idle connections and joins the threads; no send()
/// may be running by then.
std::unique_ptr<https_client> make_http_client(const http_client_options& options,
                                               metrics_registry* metrics);

}  // namespace switchboard::host
