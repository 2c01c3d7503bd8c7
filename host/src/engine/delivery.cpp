// The retry loop between the engine and a sink.
#include "delivery.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace switchboard::host {

std::chrono::milliseconds backoff_delay(const error_policy& policy, int attempt,
                                        std::mt19937_64& rng) {
  const auto cap = std::max<std::int64_t>(policy.max_backoff.count(), 1);
  std::int64_t delay = std::max<std::int64_t>(policy.initial_backoff.count(), 1);
  for (int i = 1; i < attempt && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  std::uniform_int_distribution<std::int64_t> jitter(0, delay / 2);
  return std::chrono::milliseconds(delay - delay / 2 + jitter(rng));
}

namespace {

void mark_all_retryable(std::vector<sdk::write_result>& outcomes, const std::string& reason) {
  for (auto& o : outcomes) {
    o = sdk::write_result{};
    o.outcome = sdk::write_outcome::retryable;
    o.reason = reason;
  }
}

}  // namespace

delivery_result deliver(sdk::sink& sink, std::vector<sdk::record>& batch,
                        const error_policy& policy, stop_control& stop, sdk::logger& log,
                        std::mt19937_64& rng) {
  delivery_result result;
  const auto started = std::chrono::steady_clock::now();
  std::vector<sdk::write_result> outcomes;
  // The first attempt writes the batch in place; retries work on the records moved out of it,
  // so the caller gets its vector back (for reuse) with the written records still in it.
  std::span<sdk::record> records(batch);
  std::vector<sdk::record> pending;
  std::vector<sdk::record> retry;
  for (int attempt = 1; !records.empty(); ++attempt) {
    outcomes.assign(records.size(), sdk::write_result{});
    try {
      sink.write(records, outcomes);
    } catch (const std::exception& e) {
      mark_all_retryable(outcomes, fmt::format("sink threw: {}", e.what()));
    } catch (...) {
      mark_all_retryable(outcomes, "sink threw a non-standard exception");
    }
    const bool budget_left = std::chrono::steady_clock::now() - started < policy.retry_budget;
    const bool attempts_left = attempt < policy.max_attempts;
    std::string last_reason;
    retry.clear();
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto& o = outcomes[i];
      auto& r = records[i];
      switch (o.outcome) {
        case sdk::write_outcome::ok:
          ++result.written;
          if (r.op == sdk::operation::remove) {
            result.ids.push_back({r.key, std::nullopt});
          } else if (!o.target_key.empty()) {
            result.ids.push_back(
                {r.key, id_entry{std::move(o.target_key), std::move(o.payload_hash)}});
          }
          break;
        case sdk::write_outcome::permanent:
          if (policy.on_permanent == permanent_failure_action::fail_route) {
            result.route_failure = fmt::format("record {} failed permanently: {}", r.key, o.reason);
            return result;
          }
          result.failed.push_back({std::move(r), std::move(o.reason), attempt});
          break;
        case sdk::write_outcome::retryable:
          if (attempts_left && budget_left) {
            last_reason = std::move(o.reason);
            retry.push_back(std::move(r));
            break;
          }
          result.failed.push_back(
              {std::move(r),
               fmt::format("gave up after {} attempt{}{}: {}", attempt, attempt == 1 ? "" : "s",
                           budget_left ? "" : " (retry budget exhausted)", o.reason),
               attempt});
          break;
      }
    }
    if (retry.empty()) break;
    result.retries += retry.size();
    const auto delay = backoff_delay(policy, attempt, rng);
    if (log.enabled(sdk::log_level::debug)) {
      log.debug(fmt::format("{} record(s) retryable after attempt {}, retrying in {} ms: {}",
                            retry.size(), attempt, delay.count(), last_reason));
    }
    if (!stop.wait_for(delay, stop_level::abort)) {
      result.abandoned = true;
      return result;
    }
    pending.swap(retry);
    records = pending;
  }
  return result;
}

}  // namespace switchboard::host
