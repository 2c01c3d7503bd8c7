// HTTP client and token provider interfaces: host services that plugins call through the context.
#pragma once

#include "switchboard/sdk/status.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sdk {

/// An access token source for one connection (Entra ID, Adobe IMS). Thread-safe; concurrent
/// callers share one refresh.
class token_provider {
 public:
  virtual ~token_provider() = default;
  /// Writes a valid access token into `token` (cached, refreshed ahead of expiry).
  virtual status get(std::string& token) = 0;
  /// Forgets the cached token (after a 401), so the next get() fetches a new one.
  virtual void invalidate() = 0;
};

/// One header field. Names compare case-insensitively.
struct http_header {
  std::string name;
  std::string value;
};

/// An HTTP request as a plugin describes it. The host adds Host, Content-Length and
/// connection management; TLS peer and host-name verification are on unless the connection
/// configuration says otherwise.
struct http_request {
  std::string method = "GET";
  /// Absolute URL, "https://host[:port]/path?query".
  std::string url;
  std::vector<http_header> headers;
  std::string body;
  /// Deadline for the whole exchange, retries included.
  std::chrono::milliseconds timeout{30000};
  /// When set, the client adds "Authorization: Bearer <token>" from this provider and, on a
  /// 401 answer, invalidates the token and retries once with a fresh one. Borrowed: must
  /// outlive the call.
  token_provider* authorization = nullptr;
};

/// An HTTP response.
struct http_response {
  static constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }

  int status_code = 0;
  std::vector<http_header> headers;
  std::string body;

  /// The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const noexcept {
    for (const auto& h : headers) {
      if (h.name.size() != name.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < name.size() && same; ++i) {
        same = ascii_lower(h.name[i]) == ascii_lower(name[i]);
      }
      if (same) return &h.value;
    }
    return nullptr;
  }
};

/// The outcome of one exchange: `result` is ok when a response arrived (whatever its status
/// code); otherwise it says why not (timeout, reset, TLS failure) with a retryable or permanent
/// kind. The host has already applied its retry policy (429/503 with Retry-After, other 5xx and
/// transport errors with backoff) by the time a plugin sees this.
struct http_exchange {
  status result;
  http_response response;
};

/// The host's HTTP client. Thread-safe: any thread may call it concurrently.
class http_client {
 public:
  virtual ~http_client() = default;
  /// Sends one request and waits for its outcome.
  virtual http_exchange send(const http_request& request) = 0;
  /// Sends independent requests with up to `max_in_flight` in flight at once and returns the
  /// outcomes in request order.
  virtual std::vector<http_exchange> send_many(std::span<const http_request> requests,
                                               std::size_t max_in_flight) = 0;
};

}  // namespace switchboard::sdk
