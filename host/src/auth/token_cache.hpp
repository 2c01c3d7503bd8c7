// The caching, renew-ahead and single-flight part every token provider shares.
#pragma once

#include "switchboard/host/token_providers.hpp"
#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace switchboard::host::auth_detail {

/// A token as an endpoint issued it.
struct issued_token {
  std::string access_token;
  std::chrono::seconds lifetime{0};
};

/// Caches the token fetch() returns. get() hands out the cached token until it is due for
/// renewal; then one caller fetches while the others wait for that same fetch (or keep using
/// the old token while it is still valid). Thread-safe.
class cached_token_provider : public sdk::token_provider {
 public:
  explicit cached_token_provider(token_refresh_policy policy) : policy_(policy) {}

  sdk::status get(std::string& token) final;
  void invalidate() final;

 protected:
  /// Asks the endpoint for a new token. Called by one thread at a time.
  virtual sdk::status fetch(issued_token& token) = 0;

 private:
  using clock = std::chrono::steady_clock;

  void store(const issued_token& token, clock::time_point requested);
  bool fresh(clock::time_point now) const { return !token_.empty() && now < renew_at_; }
  bool usable(clock::time_point now) const { return !token_.empty() && now < expires_at_; }

  const token_refresh_policy policy_;
  std::mutex mutex_;
  std::condition_variable fetched_;
  std::string token_;
  clock::time_point renew_at_{};
  clock::time_point expires_at_{};
  bool fetching_ = false;
  std::uint64_t fetches_ = 0;  // completed fetches, so waiters know theirs has ended
  sdk::status last_failure_;
};

}  // namespace switchboard::host::auth_detail
