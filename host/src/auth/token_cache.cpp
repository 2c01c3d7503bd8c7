// Token caching with renewal ahead of expiry and one shared fetch for concurrent callers.
#include "token_cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace switchboard::host::auth_detail {

sdk::status cached_token_provider::get(std::string& token) {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto now = clock::now();
    if (fresh(now)) {
      token = token_;
      return sdk::status::ok();
    }
    if (!fetching_) break;
    if (usable(now)) {
      token = token_;
      return sdk::status::ok();
    }
    const std::uint64_t ongoing = fetches_;
    fetched_.wait(lock, [&] { return fetches_ != ongoing; });
    if (usable(clock::now())) {
      token = token_;
      return sdk::status::ok();
    }
    if (!last_failure_) return last_failure_;
    // The shared fetch succeeded but its token was invalidated since: fetch again.
  }

  fetching_ = true;
  lock.unlock();
  const auto requested = clock::now();
  issued_token issued;
  sdk::status result;
  try {
    result = fetch(issued);
  } catch (const std::exception& e) {
    result = sdk::status::permanent(fmt::format("token request failed: {}", e.what()));
  }
  lock.lock();
  fetching_ = false;
  ++fetches_;
  if (result) {
    store(issued, requested);
    last_failure_ = sdk::status::ok();
  } else {
    last_failure_ = result;
  }
  fetched_.notify_all();
  if (usable(clock::now())) {
    token = token_;
    return sdk::status::ok();
  }
  return result ? sdk::status::retryable("token endpoint issued a token that has already expired")
                : result;
}

void cached_token_provider::invalidate() {
  std::lock_guard lock(mutex_);
  token_.clear();
  renew_at_ = expires_at_ = {};
}

void cached_token_provider::store(const issued_token& token, clock::time_point requested) {
  using std::chrono::seconds;
  const seconds lifetime = std::max(token.lifetime, seconds(0));
  const seconds margin = std::min(std::max(policy_.refresh_margin, lifetime / 10), lifetime / 2);
  // A little slack so a token is not sent in its very last second.
  const seconds slack = std::min(seconds(30), lifetime / 10);
  token_ = token.access_token;
  renew_at_ = requested + lifetime - margin;
  expires_at_ = requested + lifetime - slack;
}

}  // namespace switchboard::host::auth_detail
