// Engine semantics with the real mock plugins loaded through the real loader.
#include "support/test_host.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace switchboard::test {
namespace {

using host::run_status;
using ::testing::HasSubstr;

const std::string fast_retries = R"("initial_backoff": "1ms", "max_backoff": "5ms")";

std::string route(const std::string& id, const std::string& source_config,
                  const std::string& sink_config, const std::string& extra = "",
                  const std::string& processors = "[]", const std::string& policy = fast_retries) {
  return fmt::format(R"({{"id": "{}", "source": {{"component": "mock.source", "config": {}}},
    "processors": {}, "sink": {{"component": "mock.sink", "config": {}}},
    "error_policy": {{{}}} {}}})",
                     id, source_config, processors, sink_config, policy,
                     extra.empty() ? "" : "," + extra);
}

std::string jsonl_sink(const test_host& h, const std::string& extra = "") {
  return fmt::format(R"({{"mode": "jsonl", "path": "{}"{}}})", h.path("sink.jsonl").string(),
                     extra.empty() ? "" : ", " + extra);
}

std::set<std::string> expected_keys(std::uint64_t count) {
  std::set<std::string> keys;
  for (std::uint64_t i = 0; i < count; ++i) keys.insert(mock_key(i));
  return keys;
}

std::set<std::string> as_set(const std::vector<std::string>& keys) {
  return {keys.begin(), keys.end()};
}

TEST(Engine, ASourceThatFailsPermanentlyStillCommitsWhatItReadBefore) {
  test_host h;
  std::string lines;
  for (int i = 0; i < 300; ++i) lines += fmt::format(R"({{"key": "k{}"}})", i) + "\n";
  lines += R"({"key": "bad", "op": "replace"})"
           "\n";
  write_file(h.path("in.jsonl"), lines);
  h.configure("[" +
              route("contacts", fmt::format(R"({{"jsonl": "{}"}})", h.path("in.jsonl").string()),
                    jsonl_sink(h), R"("batch_size": 100)") +
              "]");
  const auto outcomes = h.run_once();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, run_status::failed);
  EXPECT_THAT(outcomes[0].message, HasSubstr("\"op\" must be \"upsert\" or \"delete\""));
  // Every record read before the bad line was written and is behind the committed cursor.
  EXPECT_EQ(jsonl_keys(h.path("sink.jsonl")).size(), 300u);
  const auto cursor = h.state().cursor({"acme", "contacts"});
  ASSERT_TRUE(cursor.has_value());
  EXPECT_TRUE(cursor->starts_with("301:")) << *cursor;
}

TEST(Engine, DeliversEveryGeneratedRecordAndCommitsTheEndCursor) {
  test_host h;
  h.configure(
      "[" + route("contacts", R"({"count": 10000})", jsonl_sink(h), R"("batch_size": 256)") + "]");
  const auto outcomes = h.run_once();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, run_status::succeeded) << outcomes[0].message;
  EXPECT_EQ(outcomes[0].counts.read, 10000u);
  EXPECT_EQ(outcomes[0].counts.written, 10000u);
  const auto keys = jsonl_keys(h.path("sink.jsonl"));
  EXPECT_EQ(keys.size(), 10000u);
  EXPECT_EQ(as_set(keys), expected_keys(10000));
  EXPECT_EQ(h.state().cursor({"acme", "contacts"}), "10000");
  EXPECT_EQ(h.state().count_ids({"acme", "contacts"}), 10000u);
  const auto again = h.run_once();
  EXPECT_EQ(again[0].counts.read, 0u);
  EXPECT_EQ(jsonl_keys(h.path("sink.jsonl")).size(), 10000u);
}

TEST(Engine, IdRetentionRemovesIdMapEntriesNotWrittenForThatLong) {
  test_host h;
  h.configure("[" +
              route("events", R"({"count": 100})", jsonl_sink(h),
                    R"("batch_size": 50, "id_retention": "7d")") +
              "]");
  ASSERT_EQ(h.run_once()[0].status, run_status::succeeded);
  const host::route_key key{"acme", "events"};
  ASSERT_EQ(h.state().count_ids(key), 100u);
  // 30 entries last written eight days ago.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(h.path("state.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const auto sql = fmt::format(
        "UPDATE id_map SET updated_at = updated_at - {} WHERE route = 'events' AND source_key IN "
        "(SELECT source_key FROM id_map WHERE route = 'events' ORDER BY source_key LIMIT 30)",
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24 * 8)).count());
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
  // The next run finds the source caught up and removes them; the other 70 stay.
  ASSERT_EQ(h.run_once()[0].status, run_status::succeeded);
  EXPECT_EQ(h.state().count_ids(key), 70u);
  EXPECT_THAT(h.log_text(), HasSubstr("removed 30 id map entries not written for 604800 s"));
}

TEST(Engine, CursorNeverPassesAnUnacknowledgedRecord) {
  test_host h;
  h.configure(
      "[" +
      route("contacts", R"({"count": 6000})",
            jsonl_sink(h, R"("latency_ms": 2, "retryable_every": 13, "permanent_every": 101)"),
            R"("batch_size": 50)") +
      "]");
  std::vector<host::route_outcome> outcomes;
  std::thread runner([&] { outcomes = h.run_once(); });
  // Read the cursor first, then what the sink and the dead-letter store hold: every record
  // before the cursor must already be in one of them.
  int samples = 0;
  std::size_t violations = 0;
  wait_until([&] {
    const auto cursor = h.state().cursor({"acme", "contacts"});
    const std::uint64_t position = cursor ? std::stoull(cursor->empty() ? "0" : *cursor) : 0;
    auto handled = as_set(jsonl_keys(h.path("sink.jsonl")));
    for (const auto& l : h.state().dead_letters(host::route_key{"acme", "contacts"}, 100000)) {
      handled.insert(l.record_json.substr(8, 14));
    }
    for (std::uint64_t i = 0; i < position; ++i)
      violations += handled.contains(mock_key(i)) ? 0 : 1;
    ++samples;
    return position >= 6000;
  });
  runner.join();
  EXPECT_GT(samples, 3);
  EXPECT_EQ(violations, 0u);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, run_status::succeeded) << outcomes[0].message;
}

TEST(Engine, RetryableFailuresSucceedAfterRetries) {
  test_host h;
  h.configure("[" +
              route("contacts", R"({"count": 700})",
                    jsonl_sink(h, R"("retryable_every": 7, "retryable_times": 2)")) +
              "]");
  const auto outcomes = h.run_once();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, run_status::succeeded) << outcomes[0].message;
  EXPECT_EQ(outcomes[0].counts.written, 700u);
  EXPECT_EQ(outcomes[0].counts.dead_lettered, 0u);
  EXPECT_EQ(outcomes[0].counts.retries, 200u);  // 100 records failing twice each
  EXPECT_EQ(as_set(jsonl_keys(h.path("sink.jsonl"))), expected_keys(700));
  EXPECT_EQ(h.state().count_dead_letters({"acme", "contacts"}), 0u);
}

TEST(Engine, RecordsOutOfAttemptsAreDeadLetteredWithTheReason) {
  test_host h;
  h.configure("[" +
              route("contacts", R"({"count": 100})",
                    jsonl_sink(h, R"("retryable_every": 10, "retryable_times": 50)"), "", "[]") +
              "]");
  const auto outcomes = h.run_once();
  EXPECT_EQ(outcomes[0].status, run_status::succeeded);
  EXPECT_EQ(outcomes[0].counts.written, 90u);
  EXPECT_EQ(outcomes[0].counts.dead_lettered, 10u);
  const auto letters = h.state().dead_letters(host::route_key{"acme", "contacts"}, 100);
  ASSERT_EQ(letters.size(), 10u);
  EXPECT_EQ(letters[0].stage, "sink");
  EXPECT_EQ(letters[0].attempts, 5);
  EXPECT_THAT(letters[0].reason, HasSubstr("gave up after 5 attempts"));
  EXPECT_THAT(letters[0].reason, HasSubstr("injected retryable failure"));
  EXPECT_EQ(h.state().cursor({"acme", "contacts"}), "100");
}

TEST(Engine, PermanentFailuresLandInTheDeadLetterStoreAndCanBeReplayed) {
  test_host h;
  h.configure("[" +
              route("contacts", R"({"count": 1000})", jsonl_sink(h, R"("permanent_every": 10)")) +
              "]");
  auto outcomes = h.run_once();
  EXPECT_EQ(outcomes[0].counts.written, 900u);
  EXPECT_EQ(outcomes[0].counts.dead_lettered, 100u);
  EXPECT_EQ(h.state().cursor({"acme", "contacts"}), "1000");
  auto letters = h.state().dead_letters(host::route_key{"acme", "contacts"}, 1000);
  ASSERT_EQ(letters.size(), 100u);
  EXPECT_THAT(letters[0].reason, HasSubstr("injected permanent failure for rec-0000000009"));
  EXPECT_EQ(letters[0].attempts, 1);

  // The target is fixed: the same route without the fault. Replay sends them again.
  h.configure("[" + route("contacts", R"({"count": 1000})", jsonl_sink(h)) + "]");
  const auto replay = h.engine().replay({"acme", "contacts"}, letters);
  EXPECT_EQ(replay.replayed, 100u);
  EXPECT_EQ(replay.failed, 0u);
  EXPECT_EQ(h.state().count_dead_letters({"acme", "contacts"}), 0u);
  EXPECT_EQ(as_set(jsonl_keys(h.path("sink.jsonl"))), expected_keys(1000));
}

TEST(Engine, FailedReplayKeepsTheDeadLetterWithTheNewReason) {
  test_host h;
  h.configure(
      "[" + route("contacts", R"({"count": 20})", jsonl_sink(h, R"("permanent_every": 10)")) + "]");
  h.run_once();
  auto letters = h.state().dead_letters(host::route_key{"acme", "contacts"}, 10);
  ASSERT_EQ(letters.size(), 2u);
  const auto replay = h.engine().replay({"acme", "contacts"}, letters);
  EXPECT_EQ(replay.replayed, 0u);
  EXPECT_EQ(replay.failed, 2u);
  ASSERT_EQ(replay.reasons.size(), 2u);
  EXPECT_THAT(replay.reasons[0], HasSubstr("rec-0000000009"));
  const auto after = h.state().dead_letter_by_id(letters[0].id);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->attempts, 2);
}

TEST(Engine, ProcessorRejectionsAreDeadLetteredAndReplayFromTheirStage) {
  test_host h;
  const std::string upper = R"({"component": "example.uppercase", "config": {"fields": ["f2"]}})";
  // Ordinals 49, 99, ... 299 are rejected (6); 6, 13, ... 293 are dropped (42); none overlap.
  h.configure(
      "[" +
      route(
          "contacts", R"({"count": 300})", jsonl_sink(h), "",
          R"([{"component": "mock.passthrough", "config": {"reject_every": 50, "drop_every": 7}}, )" +
              upper + "]") +
      "]");
  auto outcomes = h.run_once();
  EXPECT_EQ(outcomes[0].counts.read, 300u);
  EXPECT_EQ(outcomes[0].counts.dead_lettered, 6u);
  EXPECT_EQ(outcomes[0].counts.filtered, 42u);
  EXPECT_EQ(outcomes[0].counts.written, 252u);
  auto letters = h.state().dead_letters(host::route_key{"acme", "contacts"}, 100);
  ASSERT_EQ(letters.size(), 6u);
  EXPECT_EQ(letters[0].stage, "processor:0");
  EXPECT_THAT(letters[0].reason, HasSubstr("injected rejection of rec-0000000049"));

  h.configure("[" +
              route("contacts", R"({"count": 300})", jsonl_sink(h), "",
                    R"([{"component": "mock.passthrough"}, )" + upper + "]") +
              "]");
  const auto replay = h.engine().replay({"acme", "contacts"}, letters);
  EXPECT_EQ(replay.replayed, 6u);
  EXPECT_EQ(h.state().count_dead_letters({"acme", "contacts"}), 0u);
  const auto keys = as_set(jsonl_keys(h.path("sink.jsonl")));
  EXPECT_TRUE(keys.contains(mock_key(49)));
  EXPECT_FALSE(keys.contains(mock_key(6)));
  EXPECT_EQ(keys.size(), 258u);
}

TEST(Engine, FailRoutePolicyStopsBeforeCommittingTheFailingBatch) {
  test_host h;
  h.configure("[" +
              route("contacts", R"({"count": 1000})", jsonl_sink(h, R"("permanent_every": 95)"),
                    R"("batch_size": 10)", "[]",
                    fast_retries + R"(, "on_permanent": "fail_route")") +
              "]");
  const auto outcomes = h.run_once();
  EXPECT_EQ(outcomes[0].status, run_status::failed);
  EXPECT_THAT(outcomes[0].message, HasSubstr("rec-0000000094 failed permanently"));
  EXPECT_EQ(h.state().cursor({"acme", "contacts"}), "90");
  EXPECT_EQ(h.state().count_dead_letters({"acme", "contacts"}), 0u);
  const auto runs = h.state().runs(host::route_key{"acme", "contacts"}, 1);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, run_status::failed);
}

TEST(Engine, OneFailingRouteDoesNotStallAnother) {
  test_host h;
  h.configure("[" +
              route("broken", R"({"count": 100, "fail_read_every": 1})", R"({"mode": "null"})", "",
                    "[]", fast_retries + R"(, "max_attempts": 3)") +
              "," + route("healthy", R"({"count": 5000})", jsonl_sink(h)) + "]");
  const auto outcomes = h.run_once();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status, run_status::failed);
  EXPECT_THAT(outcomes[0].message, HasSubstr("failed 3 times in a row"));
  EXPECT_THAT(outcomes[0].message, HasSubstr("injected read failure"));
  EXPECT_EQ(outcomes[1].status, run_status::succeeded);
  EXPECT_EQ(jsonl_keys(h.path("sink.jsonl")).size(), 5000u);
}

TEST(Engine, SourceRetryableReadFailuresAreRetried) {
  test_host h;
  h.configure("[" +
              route("contacts", R"({"count": 1000, "fail_read_every": 3})", jsonl_sink(h),
                    R"("batch_size": 100)") +
              "]");
  const auto outcomes = h.run_once();
  EXPECT_EQ(outcomes[0].status, run_status::succeeded) << outcomes[0].message;
  EXPECT_EQ(as_set(jsonl_keys(h.path("sink.jsonl"))), expected_keys(1000));
}

TEST(Engine, TenantMayUseOnlyItsEnabledPlugins) {
  test_host h;
  try {
    h.configure("[" + route("contacts", "{}", R"({"mode": "null"})") + "]", R"(["example"])");
    h.engine().validate({});
    FAIL() << "expected a config error";
  } catch (const host::config_error& e) {
    EXPECT_EQ(e.pointer(), "/tenants/0/routes/0/source/component");
    EXPECT_THAT(e.reason(),
                HasSubstr("belongs to plugin \"mock\", which tenant \"acme\" has not enabled"));
  }
}

TEST(Engine, ComponentConfigIsCheckedAgainstItsSchema) {
  test_host h;
  try {
    h.configure("[" + route("contacts", R"({"count": "many"})", R"({"mode": "null"})") + "]");
    h.engine().validate({});
    FAIL() << "expected a config error";
  } catch (const host::config_error& e) {
    EXPECT_EQ(e.pointer(), "/tenants/0/routes/0/source/config/count");
    EXPECT_THAT(e.reason(), HasSubstr("many"));
  }
}

TEST(Engine, StopDrainsInFlightBatchesAndCommitsThem) {
  test_host h;
  h.configure("[" +
              route("contacts", R"({"count": 1000000, "rate_limit": 20000})", jsonl_sink(h),
                    R"("batch_size": 100)") +
              "]");
  std::vector<host::route_outcome> outcomes;
  std::thread runner([&] { outcomes = h.engine().run({}, host::run_mode::continuous); });
  ASSERT_TRUE(wait_until([&] { return jsonl_keys(h.path("sink.jsonl")).size() >= 2000; }));
  h.stop().request_stop();
  runner.join();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, run_status::stopped);
  const auto cursor = std::stoull(h.state().cursor({"acme", "contacts"}).value_or("0"));
  const auto keys = jsonl_keys(h.path("sink.jsonl"));
  // Graceful: everything read was written and committed; nothing written beyond the cursor.
  EXPECT_EQ(keys.size(), cursor);
  EXPECT_EQ(as_set(keys), expected_keys(cursor));
  EXPECT_EQ(outcomes[0].counts.read, outcomes[0].counts.written);
}

TEST(Engine, LogLinesAreJsonTaggedWithTenantRouteAndRun) {
  test_host h;
  h.configure(
      "[" + route("contacts", R"({"count": 10})", jsonl_sink(h, R"("permanent_every": 5)")) + "]");
  const auto outcomes = h.run_once();
  const auto lines = read_lines(h.path("host.log"));
  ASSERT_FALSE(lines.empty());
  bool saw_dead_letter_line = false;
  for (const auto& line : lines) {
    const auto v = boost::json::parse(line).as_object();
    EXPECT_TRUE(v.contains("time"));
    EXPECT_TRUE(v.contains("level"));
    if (v.contains("route")) {
      EXPECT_EQ(v.at("tenant").as_string(), "acme");
      EXPECT_EQ(v.at("route").as_string(), "contacts");
      EXPECT_EQ(v.at("run").as_int64(), outcomes[0].run_id);
    }
    if (v.at("msg").as_string().find("dead-lettered 2 record(s)") != boost::json::string::npos) {
      saw_dead_letter_line = true;
    }
  }
  EXPECT_TRUE(saw_dead_letter_line);
}

}  // namespace
}  // namespace switchboard::test
