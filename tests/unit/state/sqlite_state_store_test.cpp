// Tests of the SQLite state store: cursors, id map, dead letters, runs, kv, migrations, threads.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "state/batch_id_reader.hpp"
#include "support/test_support.hpp"
#include "switchboard/host/state_store.hpp"

namespace switchboard::host {
namespace sqlite_state_store_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point at_ms(std::int64_t ms) {
  return system_clock::time_point(milliseconds(ms));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The message of the std::runtime_error `f` throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

/// A second, raw connection to a store's file, for inspecting and sabotaging it.
class raw_db {
 public:
  explicit raw_db(const std::filesystem::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error("cannot open " + path.string());
    }
    sqlite3_busy_timeout(db_, 10);
  }
  ~raw_db() { sqlite3_close_v2(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  void exec(const std::string& sql) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
  }
  /// The first column of the first row as text ("" when there is no row).
  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

dead_letter make_letter(const route_key& route, const std::string& key, std::int64_t ms) {
  dead_letter d;
  d.route = route;
  d.stage = "sink";
  d.record_json = R"({"key":")" + key + R"(","op":"upsert","fields":{},"source_time_ms":1})";
  d.reason = "rejected " + key;
  d.attempts = 1;
  d.first_failed = at_ms(ms);
  d.last_failed = at_ms(ms + 5);
  return d;
}

std::vector<std::string> reasons(const std::vector<dead_letter>& letters) {
  std::vector<std::string> out;
  for (const auto& d : letters) out.push_back(d.reason);
  return out;
}

std::vector<std::int64_t> run_ids(const std::vector<run_record>& runs) {
  std::vector<std::int64_t> out;
  for (const auto& r : runs) out.push_back(r.id);
  return out;
}

class SqliteStateStore : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_sqlite_state_store(path_); }
  void reopen() {
    store_.reset();
    store_ = open_sqlite_state_store(path_);
  }

  test::temp_dir dir_;
  std::filesystem::path path_ = dir_ / "state.db";
  std::unique_ptr<state_store> store_;
  const route_key contacts_{"acme", "contacts"};
  const route_key deals_{"acme", "deals"};
  const route_key other_tenant_{"globex", "contacts"};
};

TEST_F(SqliteStateStore, FreshDatabaseReachesLatestSchemaVersion) {
  ASSERT_GE(latest_state_schema_version(), 1);
  EXPECT_EQ(store_->schema_version(), latest_state_schema_version());
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), latest_state_schema_version());
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  for (const char* table : {"cursors", "id_map", "dead_letters", "runs", "kv"}) {
    EXPECT_EQ(raw.integer(std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                      "AND name = '") +
                          table + "'"),
              1)
        << table;
  }
  EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND "
                        "tbl_name = 'dead_letters' AND name = 'dead_letters_by_route'"),
            1);
}

TEST_F(SqliteStateStore, ReopeningMigratedDatabaseKeepsItsVersionAndData) {
  store_->commit(contacts_, "c1", {});
  reopen();
  EXPECT_EQ(store_->schema_version(), latest_state_schema_version());
  EXPECT_EQ(store_->cursor(contacts_), "c1");
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("PRAGMA user_version"), latest_state_schema_version());
}

TEST_F(SqliteStateStore, CreatesMissingParentDirectories) {
  const auto nested = dir_ / "a" / "b" / "c" / "state.db";
  auto store = open_sqlite_state_store(nested);
  store->commit(contacts_, "c1", {});
  EXPECT_TRUE(std::filesystem::exists(nested));
  EXPECT_EQ(store->cursor(contacts_), "c1");
}

TEST_F(SqliteStateStore, RefusesDatabaseWithNewerSchema) {
  store_.reset();
  const int newer = latest_state_schema_version() + 1;
  raw_db(path_).exec("PRAGMA user_version = " + std::to_string(newer));
  const auto message = error_of([&] { open_sqlite_state_store(path_); });
  EXPECT_TRUE(contains(message, "state store " + path_.string() + ": ")) << message;
  EXPECT_TRUE(contains(message, "schema version " + std::to_string(newer))) << message;
  EXPECT_TRUE(contains(message, "(" + std::to_string(latest_state_schema_version()) + ")"))
      << message;
  EXPECT_EQ(raw_db(path_).integer("PRAGMA user_version"), newer);
}

TEST_F(SqliteStateStore, RefusesFileThatIsNotADatabase) {
  const auto file = dir_ / "notes.txt";
  test::write_file(file, "these are notes, not a database\n");
  const auto message = error_of([&] { open_sqlite_state_store(file); });
  EXPECT_TRUE(contains(message, file.string())) << message;
  EXPECT_TRUE(contains(message, "file is not a database")) << message;
  EXPECT_EQ(test::read_file(file), "these are notes, not a database\n");
}

TEST_F(SqliteStateStore, RefusesAnotherApplicationsDatabase) {
  const auto file = dir_ / "other.db";
  raw_db(file).exec("CREATE TABLE things (id INTEGER PRIMARY KEY)");
  const auto message = error_of([&] { open_sqlite_state_store(file); });
  EXPECT_EQ(message, "state store " + file.string() +
                         ": read schema version: not a switchboard "
                         "state store");
  EXPECT_EQ(raw_db(file).integer("SELECT count(*) FROM sqlite_schema"), 1);
}

TEST_F(SqliteStateStore, ReportsPathWhenDirectoryCannotBeCreated) {
  test::write_file(dir_ / "blocker", "a file where a directory should be");
  const auto file = dir_ / "blocker" / "state.db";
  const auto message = error_of([&] { open_sqlite_state_store(file); });
  EXPECT_TRUE(contains(message, "state store " + file.string() +
                                    ": open: cannot create "
                                    "directory"))
      << message;
}

TEST_F(SqliteStateStore, CursorIsEmptyUntilCommitted) {
  EXPECT_EQ(store_->cursor(contacts_), std::nullopt);
}

TEST_F(SqliteStateStore, CursorRoundTripAndReset) {
  store_->commit(contacts_, "token-1", {});
  store_->commit(deals_, "deals-1", {});
  EXPECT_EQ(store_->cursor(contacts_), "token-1");
  store_->commit(contacts_, "token-2", {});
  EXPECT_EQ(store_->cursor(contacts_), "token-2");
  EXPECT_EQ(store_->cursor(other_tenant_), std::nullopt);

  store_->reset_cursor(contacts_);
  EXPECT_EQ(store_->cursor(contacts_), std::nullopt);
  EXPECT_EQ(store_->cursor(deals_), "deals-1");
  store_->commit(contacts_, "", {});
  EXPECT_EQ(store_->cursor(contacts_), "");
}

TEST_F(SqliteStateStore, CommitStoresCursorAndDeadLettersTogether) {
  const std::vector<dead_letter> letters = {make_letter(contacts_, "k1", 1'700'000'000'123),
                                            make_letter(contacts_, "k2", 1'700'000'000'456)};
  store_->commit(contacts_, "after-k2", letters);
  reopen();

  EXPECT_EQ(store_->cursor(contacts_), "after-k2");
  EXPECT_EQ(store_->count_dead_letters(contacts_), 2U);
  const auto stored = store_->dead_letters(contacts_, 10);
  ASSERT_EQ(stored.size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_GT(stored[i].id, 0);
    EXPECT_EQ(stored[i].route, contacts_);
    EXPECT_EQ(stored[i].stage, letters[i].stage);
    EXPECT_EQ(stored[i].record_json, letters[i].record_json);
    EXPECT_EQ(stored[i].reason, letters[i].reason);
    EXPECT_EQ(stored[i].attempts, 1);
    EXPECT_EQ(stored[i].first_failed, letters[i].first_failed);
    EXPECT_EQ(stored[i].last_failed, letters[i].last_failed);
  }
}

TEST_F(SqliteStateStore, CommitFilesDeadLettersUnderTheCommittedRoute) {
  auto letter = make_letter(route_key{}, "k1", 1'700'000'000'000);
  letter.stage = "processor:2";
  store_->commit(deals_, "c", std::span(&letter, 1));
  const auto stored = store_->dead_letters(deals_, 10);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].route, deals_);
  EXPECT_EQ(stored[0].stage, "processor:2");
}

TEST_F(SqliteStateStore, FailedCommitLeavesNeitherCursorNorDeadLetters) {
  store_->commit(contacts_, "before", {});
  raw_db raw(path_);
  raw.exec(
      "CREATE TRIGGER fail_cursor_insert BEFORE INSERT ON cursors "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
      "CREATE TRIGGER fail_cursor_update BEFORE UPDATE ON cursors "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

  const std::vector<dead_letter> letters = {make_letter(contacts_, "k1", 1'700'000'000'000)};
  const auto message = error_of([&] { store_->commit(contacts_, "after", letters); });
  EXPECT_EQ(message, "state store " + path_.string() +
                         ": commit cursor for acme/contacts: injected failure");
  EXPECT_EQ(store_->cursor(contacts_), "before");
  EXPECT_EQ(store_->count_dead_letters(contacts_), 0U);

  raw.exec("DROP TRIGGER fail_cursor_insert; DROP TRIGGER fail_cursor_update");
  reopen();
  EXPECT_EQ(store_->cursor(contacts_), "before");
  EXPECT_TRUE(store_->dead_letters(std::nullopt, 10).empty());
  store_->commit(contacts_, "after", letters);
  EXPECT_EQ(store_->cursor(contacts_), "after");
  EXPECT_EQ(store_->count_dead_letters(contacts_), 1U);
}

TEST_F(SqliteStateStore, CommitWaitsForAnotherWriterToFinish) {
  raw_db raw(path_);
  raw.exec(
      "BEGIN EXCLUSIVE; INSERT INTO kv (tenant, route, key, value) VALUES ('a', 'b', 'c', 'd')");
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(200));
    raw.exec("COMMIT");
  });
  const auto started = std::chrono::steady_clock::now();
  store_->commit(contacts_, "c1", {});
  const auto waited = std::chrono::steady_clock::now() - started;
  releaser.join();
  EXPECT_GE(waited, milliseconds(150));
  EXPECT_EQ(store_->cursor(contacts_), "c1");
  EXPECT_EQ(store_->kv_get({"a", "b"}, "c"), "d");
}

TEST_F(SqliteStateStore, DataSurvivesCloseAndReopen) {
  store_->commit(contacts_, "cursor-1", {});
  const std::vector<id_update> ids = {{"s1", id_entry{"t1", "h1"}}};
  store_->put_ids(contacts_, ids);
  const auto letter_ids =
      store_->add_dead_letters(std::vector{make_letter(deals_, "k9", 1'700'000'000'000)});
  const auto run = store_->begin_run(contacts_);
  store_->finish_run(run, run_status::succeeded, run_counts{5, 4, 1, 0, 2}, "");
  store_->kv_put(contacts_, "page", "7");
  reopen();

  EXPECT_EQ(store_->cursor(contacts_), "cursor-1");
  const auto entry = store_->find_id(contacts_, "s1");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->target_key, "t1");
  EXPECT_EQ(entry->payload_hash, "h1");
  ASSERT_EQ(letter_ids.size(), 1U);
  const auto letter = store_->dead_letter_by_id(letter_ids[0]);
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->reason, "rejected k9");
  const auto runs = store_->runs(contacts_, 10);
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].id, run);
  EXPECT_EQ(runs[0].status, run_status::succeeded);
  EXPECT_EQ(runs[0].counts.read, 5U);
  EXPECT_EQ(store_->kv_get(contacts_, "page"), "7");
}

TEST_F(SqliteStateStore, PutIdsKeepsTheLastValueOfAKeyGivenTwice) {
  store_->put_ids(contacts_, std::vector<id_update>{{"k", id_entry{"first", "h1"}},
                                                    {"a", id_entry{"ta", "ha"}},
                                                    {"k", id_entry{"second", "h2"}}});
  EXPECT_EQ(store_->find_id(contacts_, "k")->target_key, "second");
  store_->put_ids(contacts_,
                  std::vector<id_update>{{"k", std::nullopt}, {"k", id_entry{"third", "h3"}}});
  EXPECT_EQ(store_->find_id(contacts_, "k")->target_key, "third");
  store_->put_ids(contacts_,
                  std::vector<id_update>{{"k", id_entry{"fourth", "h4"}}, {"k", std::nullopt}});
  EXPECT_FALSE(store_->find_id(contacts_, "k").has_value());
  EXPECT_EQ(store_->find_id(contacts_, "a")->target_key, "ta");
}

TEST_F(SqliteStateStore, FindIdsAnswersEveryKeyInTheOrderGivenForOneRoute) {
  auto* reader = dynamic_cast<batch_id_reader*>(store_.get());
  ASSERT_NE(reader, nullptr);
  store_->put_ids(contacts_,
                  std::vector<id_update>{{"b", id_entry{"tb", "hb"}}, {"a", id_entry{"ta", "ha"}}});
  store_->put_ids(deals_, std::vector<id_update>{{"c", id_entry{"tc", "hc"}}});
  const std::vector<std::string_view> keys{"c", "b", "missing", "a", "b"};
  const auto found = reader->find_ids(contacts_, keys);
  ASSERT_EQ(found.size(), keys.size());
  EXPECT_FALSE(found[0].has_value());  // another route's entry
  ASSERT_TRUE(found[1].has_value());
  EXPECT_EQ(found[1]->target_key, "tb");
  EXPECT_EQ(found[1]->payload_hash, "hb");
  EXPECT_FALSE(found[2].has_value());
  ASSERT_TRUE(found[3].has_value());
  EXPECT_EQ(found[3]->target_key, "ta");
  ASSERT_TRUE(found[4].has_value());
  EXPECT_EQ(found[4]->target_key, "tb");
  EXPECT_TRUE(reader->find_ids(contacts_, {}).empty());
  // A read leaves the store writable: the next write is not blocked by a transaction left open.
  store_->put_ids(contacts_, std::vector<id_update>{{"a", std::nullopt}});
  EXPECT_FALSE(reader->find_ids(contacts_, keys)[3].has_value());
}

TEST_F(SqliteStateStore, StaleIdsAreThoseLastWrittenBeforeATimeInKeyOrderAndPaged) {
  store_->put_ids(contacts_, std::vector<id_update>{{"c", id_entry{"t", ""}},
                                                    {"a", id_entry{"t", ""}},
                                                    {"b", id_entry{"t", ""}},
                                                    {"d", id_entry{"t", ""}}});
  store_->put_ids(deals_, std::vector<id_update>{{"x", id_entry{"t", ""}}});
  // Written before "now + 1 h": all of this route, in key order, paged by the last key.
  const auto later = std::chrono::system_clock::now() + std::chrono::hours(1);
  EXPECT_EQ(store_->stale_ids(contacts_, later, "", 3), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(store_->stale_ids(contacts_, later, "c", 3), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(store_->stale_ids(contacts_, later, "d", 3).empty());
  // Nothing was written before an hour ago; rewriting an entry makes it fresh.
  const auto earlier = std::chrono::system_clock::now() - std::chrono::hours(1);
  EXPECT_TRUE(store_->stale_ids(contacts_, earlier, "", 10).empty());
}

TEST_F(SqliteStateStore, PutIdsInsertsUpdatesAndErases) {
  store_->put_ids(contacts_, std::vector<id_update>{{"s1", id_entry{"t1", "h1"}},
                                                    {"s2", id_entry{"t2", "h2"}},
                                                    {"s3", id_entry{"t3", "h3"}}});
  store_->put_ids(deals_, std::vector<id_update>{{"s1", id_entry{"d1", "x"}}});
  EXPECT_EQ(store_->count_ids(contacts_), 3U);
  EXPECT_EQ(store_->count_ids(deals_), 1U);
  EXPECT_EQ(store_->count_ids(other_tenant_), 0U);

  store_->put_ids(contacts_, std::vector<id_update>{{"s1", id_entry{"t1b", "h1b"}},
                                                    {"s2", std::nullopt},
                                                    {"missing", std::nullopt}});
  EXPECT_EQ(store_->count_ids(contacts_), 2U);
  const auto s1 = store_->find_id(contacts_, "s1");
  ASSERT_TRUE(s1.has_value());
  EXPECT_EQ(s1->target_key, "t1b");
  EXPECT_EQ(s1->payload_hash, "h1b");
  EXPECT_EQ(store_->find_id(contacts_, "s2"), std::nullopt);
  EXPECT_EQ(store_->find_id(deals_, "s1")->target_key, "d1");
  EXPECT_EQ(store_->find_id(other_tenant_, "s1"), std::nullopt);
}

TEST_F(SqliteStateStore, FailedPutIdsAppliesNone) {
  raw_db(path_).exec(
      "CREATE TRIGGER fail_bad_key BEFORE INSERT ON id_map WHEN NEW.source_key = 'bad' "
      "BEGIN SELECT RAISE(ABORT, 'bad key'); END");
  const auto message = error_of([&] {
    store_->put_ids(contacts_, std::vector<id_update>{{"good", id_entry{"t1", "h1"}},
                                                      {"bad", id_entry{"t2", "h2"}}});
  });
  EXPECT_EQ(message, "state store " + path_.string() + ": put ids for acme/contacts: bad key");
  EXPECT_EQ(store_->count_ids(contacts_), 0U);
  EXPECT_EQ(store_->find_id(contacts_, "good"), std::nullopt);
}

TEST_F(SqliteStateStore, DeadLettersAreListedOldestFirstFilteredAndLimited) {
  store_->commit(contacts_, "c1", std::vector{make_letter(contacts_, "a", 3000)});
  store_->add_dead_letters(std::vector{make_letter(deals_, "b", 1000)});
  store_->commit(contacts_, "c2",
                 std::vector{make_letter(contacts_, "c", 2000), make_letter(contacts_, "d", 4000)});

  EXPECT_EQ(reasons(store_->dead_letters(std::nullopt, 100)),
            (std::vector<std::string>{"rejected a", "rejected b", "rejected c", "rejected d"}));
  EXPECT_EQ(reasons(store_->dead_letters(contacts_, 100)),
            (std::vector<std::string>{"rejected a", "rejected c", "rejected d"}));
  EXPECT_EQ(reasons(store_->dead_letters(deals_, 100)), (std::vector<std::string>{"rejected b"}));
  EXPECT_EQ(reasons(store_->dead_letters(contacts_, 2)),
            (std::vector<std::string>{"rejected a", "rejected c"}));
  EXPECT_EQ(reasons(store_->dead_letters(std::nullopt, 1)),
            (std::vector<std::string>{"rejected a"}));
  EXPECT_TRUE(store_->dead_letters(std::nullopt, 0).empty());
  EXPECT_TRUE(store_->dead_letters(other_tenant_, 100).empty());
  EXPECT_EQ(store_->count_dead_letters(contacts_), 3U);
  EXPECT_EQ(store_->count_dead_letters(deals_), 1U);
}

TEST_F(SqliteStateStore, AddDeadLettersReturnsIdsOfEachLetter) {
  auto first = make_letter(contacts_, "a", 1000);
  auto second = make_letter(deals_, "b", 2000);
  second.attempts = 3;
  const auto ids = store_->add_dead_letters(std::vector{first, second});
  ASSERT_EQ(ids.size(), 2U);
  EXPECT_LT(ids[0], ids[1]);
  const auto a = store_->dead_letter_by_id(ids[0]);
  const auto b = store_->dead_letter_by_id(ids[1]);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->id, ids[0]);
  EXPECT_EQ(a->route, contacts_);
  EXPECT_EQ(b->route, deals_);
  EXPECT_EQ(b->attempts, 3);
  EXPECT_EQ(b->first_failed, at_ms(2000));
  EXPECT_TRUE(store_->add_dead_letters({}).empty());
}

TEST_F(SqliteStateStore, DeadLetterWithoutTimestampsGetsTheCurrentTime) {
  dead_letter d;
  d.route = contacts_;
  d.stage = "sink";
  d.record_json = "{}";
  d.reason = "no time";
  const auto before = system_clock::now() - milliseconds(1);
  const auto ids = store_->add_dead_letters(std::span(&d, 1));
  const auto stored = store_->dead_letter_by_id(ids.at(0));
  ASSERT_TRUE(stored.has_value());
  EXPECT_GE(stored->first_failed, before);
  EXPECT_LE(stored->first_failed, system_clock::now());
  EXPECT_EQ(stored->last_failed, stored->first_failed);
}

TEST_F(SqliteStateStore, DeadLetterByIdAndRemove) {
  const auto ids = store_->add_dead_letters(
      std::vector{make_letter(contacts_, "a", 1000), make_letter(contacts_, "b", 2000)});
  EXPECT_EQ(store_->dead_letter_by_id(ids[1])->reason, "rejected b");
  EXPECT_EQ(store_->dead_letter_by_id(ids[1] + 100), std::nullopt);

  EXPECT_TRUE(store_->remove_dead_letter(ids[0]));
  EXPECT_FALSE(store_->remove_dead_letter(ids[0]));
  EXPECT_FALSE(store_->remove_dead_letter(ids[1] + 100));
  EXPECT_EQ(store_->dead_letter_by_id(ids[0]), std::nullopt);
  EXPECT_EQ(reasons(store_->dead_letters(contacts_, 10)), (std::vector<std::string>{"rejected b"}));
  EXPECT_EQ(store_->count_dead_letters(contacts_), 1U);
}

TEST_F(SqliteStateStore, RecordReplayFailureIncrementsAttemptsAndChangesReason) {
  const auto ids = store_->add_dead_letters(std::vector{make_letter(contacts_, "a", 1000)});
  const auto before = system_clock::now() - milliseconds(1);
  store_->record_replay_failure(ids[0], "still rejected");
  store_->record_replay_failure(ids[0], "rejected again");
  const auto d = store_->dead_letter_by_id(ids[0]);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->attempts, 3);
  EXPECT_EQ(d->reason, "rejected again");
  EXPECT_EQ(d->first_failed, at_ms(1000));
  EXPECT_GE(d->last_failed, before);
  EXPECT_LE(d->last_failed, system_clock::now());
  EXPECT_NO_THROW(store_->record_replay_failure(ids[0] + 100, "gone"));
}

TEST_F(SqliteStateStore, RunsBeginUpdateAndFinish) {
  const auto before = system_clock::now() - milliseconds(1);
  const auto id = store_->begin_run(contacts_);
  auto runs = store_->runs(contacts_, 10);
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0].id, id);
  EXPECT_EQ(runs[0].route, contacts_);
  EXPECT_EQ(runs[0].status, run_status::running);
  EXPECT_GE(runs[0].started, before);
  EXPECT_EQ(runs[0].finished, std::nullopt);
  EXPECT_EQ(runs[0].counts.read, 0U);
  EXPECT_EQ(runs[0].message, "");

  store_->update_run(id, run_counts{10, 8, 1, 1, 3});
  runs = store_->runs(contacts_, 10);
  EXPECT_EQ(runs[0].counts.read, 10U);
  EXPECT_EQ(runs[0].counts.written, 8U);
  EXPECT_EQ(runs[0].counts.filtered, 1U);
  EXPECT_EQ(runs[0].counts.dead_lettered, 1U);
  EXPECT_EQ(runs[0].counts.retries, 3U);
  EXPECT_EQ(runs[0].status, run_status::running);

  store_->finish_run(id, run_status::failed, run_counts{12, 9, 1, 2, 4}, "sink unreachable");
  runs = store_->runs(contacts_, 10);
  EXPECT_EQ(runs[0].status, run_status::failed);
  EXPECT_EQ(runs[0].message, "sink unreachable");
  ASSERT_TRUE(runs[0].finished.has_value());
  EXPECT_GE(*runs[0].finished, runs[0].started);
  EXPECT_EQ(runs[0].counts.read, 12U);
  EXPECT_EQ(runs[0].counts.dead_lettered, 2U);
  EXPECT_EQ(runs[0].counts.retries, 4U);

  store_->update_run(id, run_counts{99, 99, 99, 99, 99});
  EXPECT_EQ(store_->runs(contacts_, 10)[0].counts.read, 12U);
}

TEST_F(SqliteStateStore, FinishingUnknownRunThrows) {
  const auto message =
      error_of([&] { store_->finish_run(12345, run_status::succeeded, run_counts{}, ""); });
  EXPECT_EQ(message, "state store " + path_.string() + ": finish run 12345: no such run");
}

TEST_F(SqliteStateStore, RunsAreListedNewestFirstFilteredAndLimited) {
  const auto a1 = store_->begin_run(contacts_);
  store_->finish_run(a1, run_status::succeeded, run_counts{}, "");
  const auto b1 = store_->begin_run(deals_);
  const auto a2 = store_->begin_run(contacts_);
  store_->finish_run(a2, run_status::stopped, run_counts{}, "stopped by operator");

  EXPECT_EQ(run_ids(store_->runs(std::nullopt, 10)), (std::vector<std::int64_t>{a2, b1, a1}));
  EXPECT_EQ(run_ids(store_->runs(contacts_, 10)), (std::vector<std::int64_t>{a2, a1}));
  EXPECT_EQ(run_ids(store_->runs(deals_, 10)), (std::vector<std::int64_t>{b1}));
  EXPECT_EQ(run_ids(store_->runs(std::nullopt, 2)), (std::vector<std::int64_t>{a2, b1}));
  EXPECT_EQ(run_ids(store_->runs(contacts_, 1)), (std::vector<std::int64_t>{a2}));
  EXPECT_TRUE(store_->runs(other_tenant_, 10).empty());
  EXPECT_EQ(store_->runs(contacts_, 1)[0].message, "stopped by operator");
}

TEST_F(SqliteStateStore, BeginRunAbortsStaleRunningRunsOfTheSameRoute) {
  const auto finished = store_->begin_run(contacts_);
  store_->finish_run(finished, run_status::succeeded, run_counts{}, "");
  const auto stale = store_->begin_run(contacts_);
  store_->update_run(stale, run_counts{7, 7, 0, 0, 0});
  const auto other_route = store_->begin_run(deals_);
  const auto other_tenant = store_->begin_run(other_tenant_);
  reopen();

  const auto fresh = store_->begin_run(contacts_);
  const auto runs = store_->runs(std::nullopt, 10);
  auto find = [&](std::int64_t id) {
    for (const auto& r : runs) {
      if (r.id == id) return r;
    }
    throw std::runtime_error("run " + std::to_string(id) + " missing");
  };
  EXPECT_EQ(find(stale).status, run_status::aborted);
  EXPECT_EQ(find(stale).message, "host stopped without finishing the run");
  EXPECT_EQ(find(stale).counts.read, 7U);
  EXPECT_EQ(find(finished).status, run_status::succeeded);
  EXPECT_EQ(find(finished).message, "");
  EXPECT_EQ(find(other_route).status, run_status::running);
  EXPECT_EQ(find(other_tenant).status, run_status::running);
  EXPECT_EQ(find(fresh).status, run_status::running);
}

TEST_F(SqliteStateStore, KvIsScopedByRoute) {
  store_->kv_put(contacts_, "page", "3");
  store_->kv_put(deals_, "page", "9");
  EXPECT_EQ(store_->kv_get(contacts_, "page"), "3");
  EXPECT_EQ(store_->kv_get(deals_, "page"), "9");
  EXPECT_EQ(store_->kv_get(other_tenant_, "page"), std::nullopt);
  EXPECT_EQ(store_->kv_get(contacts_, "other"), std::nullopt);

  store_->kv_erase(contacts_, "page");
  EXPECT_EQ(store_->kv_get(contacts_, "page"), std::nullopt);
  EXPECT_EQ(store_->kv_get(deals_, "page"), "9");
  EXPECT_NO_THROW(store_->kv_erase(contacts_, "page"));
}

TEST_F(SqliteStateStore, KvPutOverwritesAndKeepsBinaryAndEmptyValues) {
  store_->kv_put(contacts_, "token", "first");
  store_->kv_put(contacts_, "token", "second");
  EXPECT_EQ(store_->kv_get(contacts_, "token"), "second");

  const std::string binary("a\0b\xff", 4);
  store_->kv_put(contacts_, "blob", binary);
  store_->kv_put(contacts_, "empty", "");
  reopen();
  EXPECT_EQ(store_->kv_get(contacts_, "blob"), binary);
  EXPECT_EQ(store_->kv_get(contacts_, "empty"), "");
}

TEST_F(SqliteStateStore, IdleStoreHoldsNoReadTransaction) {
  store_->commit(contacts_, "c1", std::vector{make_letter(contacts_, "a", 1000)});
  store_->cursor(contacts_);
  store_->dead_letters(std::nullopt, 10);
  store_->runs(std::nullopt, 10);
  store_->kv_get(contacts_, "none");
  store_->count_ids(contacts_);
  raw_db raw(path_);
  EXPECT_EQ(raw.integer("PRAGMA wal_checkpoint(TRUNCATE)"), 0);
}

TEST_F(SqliteStateStore, ConcurrentCommitsFromFourThreadsAllLand) {
  constexpr int threads = 4;
  constexpr int commits = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const route_key route{"acme", "route-" + std::to_string(t)};
      try {
        for (int i = 0; i < commits; ++i) {
          store_->commit(route, std::to_string(i),
                         std::vector{make_letter(route, std::to_string(i), 1000 + i)});
          store_->kv_put(route, "last", std::to_string(i));
          store_->cursor(route);
        }
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  reopen();
  for (int t = 0; t < threads; ++t) {
    const route_key route{"acme", "route-" + std::to_string(t)};
    EXPECT_EQ(store_->cursor(route), std::to_string(commits - 1));
    EXPECT_EQ(store_->count_dead_letters(route), static_cast<std::uint64_t>(commits));
    EXPECT_EQ(store_->kv_get(route, "last"), std::to_string(commits - 1));
  }
  EXPECT_EQ(store_->dead_letters(std::nullopt, 100000).size(),
            static_cast<std::size_t>(threads * commits));
}

TEST_F(SqliteStateStore, TwoStoresOnOneFileCommitConcurrently) {
  auto second = open_sqlite_state_store(path_);
  constexpr int commits = 100;
  std::atomic<int> failures{0};
  auto work = [&](state_store& store, const route_key& route) {
    try {
      for (int i = 0; i < commits; ++i) {
        store.commit(route, std::to_string(i), std::vector{make_letter(route, "k", 1000)});
      }
    } catch (const std::exception&) {
      ++failures;
    }
  };
  std::thread a([&] { work(*store_, contacts_); });
  std::thread b([&] { work(*second, deals_); });
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(second->cursor(contacts_), std::to_string(commits - 1));
  EXPECT_EQ(store_->cursor(deals_), std::to_string(commits - 1));
  EXPECT_EQ(store_->count_dead_letters(deals_), static_cast<std::uint64_t>(commits));
}

TEST(SqliteStateStoreRunStatus, NamesAreLowercase) {
  EXPECT_STREQ(to_string(run_status::running), "running");
  EXPECT_STREQ(to_string(run_status::succeeded), "succeeded");
  EXPECT_STREQ(to_string(run_status::failed), "failed");
  EXPECT_STREQ(to_string(run_status::stopped), "stopped");
  EXPECT_STREQ(to_string(run_status::aborted), "aborted");
}

}  // namespace
}  // namespace sqlite_state_store_test
}  // namespace switchboard::host
