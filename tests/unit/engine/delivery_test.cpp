// The retry loop between engine and sink, with a scripted sink.
#include "engine/delivery.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace switchboard::host {
namespace {

using ::testing::HasSubstr;

/// Fails each key as scripted: a list of outcomes per attempt, then ok.
class scripted_sink final : public sdk::sink {
 public:
  std::map<std::string, std::vector<sdk::write_outcome>> script;
  std::map<std::string, int> attempts;
  int calls = 0;
  bool throw_on_first_call = false;

  void write(std::span<const sdk::record> records, std::span<sdk::write_result> results) override {
    if (throw_on_first_call && calls++ == 0) throw std::runtime_error("connection reset");
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto n = attempts[records[i].key]++;
      const auto& s = script[records[i].key];
      if (static_cast<std::size_t>(n) < s.size() && s[n] != sdk::write_outcome::ok) {
        results[i].outcome = s[n];
        results[i].reason = "scripted failure of " + records[i].key;
        continue;
      }
      results[i].target_key = "t-" + records[i].key;
      results[i].payload_hash = "h";
    }
  }
};

struct silent_logger final : sdk::logger {
  bool enabled(sdk::log_level) const noexcept override { return false; }
  void write(sdk::log_level, std::string_view) override {}
};

std::vector<sdk::record> records(std::initializer_list<const char*> keys) {
  std::vector<sdk::record> out;
  for (const char* k : keys) {
    sdk::record r;
    r.key = k;
    out.push_back(std::move(r));
  }
  return out;
}

error_policy fast_policy(int attempts = 4) {
  error_policy p;
  p.max_attempts = attempts;
  p.initial_backoff = std::chrono::milliseconds(1);
  p.max_backoff = std::chrono::milliseconds(2);
  return p;
}

struct DeliveryTest : ::testing::Test {
  std::vector<sdk::record> batch;
  std::vector<sdk::record>& batch_of(std::initializer_list<const char*> keys) {
    batch = records(keys);
    return batch;
  }
  scripted_sink sink;
  stop_control stop;
  silent_logger log;
  std::mt19937_64 rng{42};
};

TEST_F(DeliveryTest, AllOkReportsTargetKeysForTheIdMap) {
  auto r = deliver(sink, batch_of({"a", "b"}), fast_policy(), stop, log, rng);
  EXPECT_EQ(r.written, 2u);
  EXPECT_EQ(r.retries, 0u);
  ASSERT_EQ(r.ids.size(), 2u);
  EXPECT_EQ(r.ids[0].source_key, "a");
  EXPECT_EQ(r.ids[0].entry->target_key, "t-a");
}

TEST_F(DeliveryTest, RetriesOnlyTheRetryableRecords) {
  sink.script["b"] = {sdk::write_outcome::retryable, sdk::write_outcome::retryable};
  auto r = deliver(sink, batch_of({"a", "b", "c"}), fast_policy(), stop, log, rng);
  EXPECT_EQ(r.written, 3u);
  EXPECT_EQ(r.retries, 2u);
  EXPECT_EQ(sink.attempts["a"], 1);
  EXPECT_EQ(sink.attempts["b"], 3);
  EXPECT_TRUE(r.failed.empty());
  // The caller's vector comes back with the records written on the first attempt intact.
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].key, "a");
  EXPECT_EQ(batch[2].key, "c");
}

TEST_F(DeliveryTest, GivesUpAfterMaxAttempts) {
  sink.script["b"] = std::vector<sdk::write_outcome>(10, sdk::write_outcome::retryable);
  auto r = deliver(sink, batch_of({"a", "b"}), fast_policy(3), stop, log, rng);
  EXPECT_EQ(r.written, 1u);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].record.key, "b");
  EXPECT_EQ(r.failed[0].attempts, 3);
  EXPECT_THAT(r.failed[0].reason, HasSubstr("gave up after 3 attempts: scripted failure of b"));
}

TEST_F(DeliveryTest, RetryBudgetEndsRetriesEarly) {
  sink.script["a"] = std::vector<sdk::write_outcome>(100, sdk::write_outcome::retryable);
  auto policy = fast_policy(100);
  policy.retry_budget = std::chrono::milliseconds(0);
  auto r = deliver(sink, batch_of({"a"}), policy, stop, log, rng);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(sink.attempts["a"], 1);
  EXPECT_THAT(r.failed[0].reason, HasSubstr("retry budget exhausted"));
}

TEST_F(DeliveryTest, PermanentFailuresAreNotRetried) {
  sink.script["a"] = {sdk::write_outcome::permanent};
  auto r = deliver(sink, batch_of({"a", "b"}), fast_policy(), stop, log, rng);
  EXPECT_EQ(sink.attempts["a"], 1);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].reason, "scripted failure of a");
  EXPECT_FALSE(r.route_failure);
}

TEST_F(DeliveryTest, FailRoutePolicyStopsAtTheFirstPermanentFailure) {
  sink.script["a"] = {sdk::write_outcome::permanent};
  auto policy = fast_policy();
  policy.on_permanent = permanent_failure_action::fail_route;
  auto r = deliver(sink, batch_of({"a", "b"}), policy, stop, log, rng);
  ASSERT_TRUE(r.route_failure);
  EXPECT_THAT(*r.route_failure, HasSubstr("record a failed permanently"));
}

TEST_F(DeliveryTest, ASinkExceptionMakesTheWholeCallRetryable) {
  sink.throw_on_first_call = true;
  auto r = deliver(sink, batch_of({"a", "b"}), fast_policy(), stop, log, rng);
  EXPECT_EQ(r.written, 2u);
  EXPECT_EQ(r.retries, 2u);
}

TEST_F(DeliveryTest, AbortDuringBackoffAbandonsTheBatch) {
  sink.script["a"] = std::vector<sdk::write_outcome>(10, sdk::write_outcome::retryable);
  stop.request_abort();
  auto r = deliver(sink, batch_of({"a"}), fast_policy(), stop, log, rng);
  EXPECT_TRUE(r.abandoned);
  EXPECT_EQ(r.written, 0u);
  EXPECT_TRUE(r.failed.empty());
}

TEST_F(DeliveryTest, DeletesEraseTheIdMapEntry) {
  batch = records({"gone"});
  batch[0].op = sdk::operation::remove;
  auto r = deliver(sink, batch, fast_policy(), stop, log, rng);
  ASSERT_EQ(r.ids.size(), 1u);
  EXPECT_FALSE(r.ids[0].entry.has_value());
}

TEST(Backoff, DoublesUpToTheCapWithBoundedJitter) {
  error_policy p;
  p.initial_backoff = std::chrono::milliseconds(100);
  p.max_backoff = std::chrono::milliseconds(1000);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    const auto d1 = backoff_delay(p, 1, rng).count();
    EXPECT_GE(d1, 50);
    EXPECT_LE(d1, 100);
    const auto d3 = backoff_delay(p, 3, rng).count();
    EXPECT_GE(d3, 200);
    EXPECT_LE(d3, 400);
    const auto d10 = backoff_delay(p, 10, rng).count();
    EXPECT_GE(d10, 500);
    EXPECT_LE(d10, 1000);
  }
}

}  // namespace
}  // namespace switchboard::host
