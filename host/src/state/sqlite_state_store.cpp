// The SQLite implementation of the state store: WAL, versioned migrations, cached statements.
#include "switchboard/host/state_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "batch_id_reader.hpp"
#include "sqlite_handle.hpp"
#include "wal_checkpointer.hpp"

namespace switchboard::host {

namespace sqlite_state {
namespace {

/// Marks a database as a switchboard state store ("SWBD").
constexpr std::int32_t application_id = 0x53574244;

/// How long a statement waits for another connection's write lock before failing.
constexpr int busy_timeout_ms = 5000;

constexpr std::string_view aborted_run_message = "host stopped without finishing the run";

/// Step N brings the schema from version N - 1 to N. Append new steps; never edit old ones.
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE cursors (
  tenant TEXT NOT NULL,
  route TEXT NOT NULL,
  cursor TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, route)
) WITHOUT ROWID;

CREATE TABLE id_map (
  tenant TEXT NOT NULL,
  route TEXT NOT NULL,
  source_key TEXT NOT NULL,
  target_key TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, route, source_key)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  route TEXT NOT NULL,
  stage TEXT NOT NULL,
  record_json TEXT NOT NULL,
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  first_failed INTEGER NOT NULL,
  last_failed INTEGER NOT NULL
);
CREATE INDEX dead_letters_by_route ON dead_letters (tenant, route, id);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  route TEXT NOT NULL,
  started INTEGER NOT NULL,
  finished INTEGER,
  read INTEGER NOT NULL DEFAULT 0,
  written INTEGER NOT NULL DEFAULT 0,
  filtered INTEGER NOT NULL DEFAULT 0,
  dead_lettered INTEGER NOT NULL DEFAULT 0,
  retries INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL
    CHECK (status IN ('running', 'succeeded', 'failed', 'stopped', 'aborted')),
  message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_route ON runs (tenant, route, id);

CREATE TABLE kv (
  tenant TEXT NOT NULL,
  route TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (tenant, route, key)
) WITHOUT ROWID;

PRAGMA application_id = 1398227524;
)sql",
};

constexpr int latest_version = static_cast<int>(std::size(migrations));

std::int64_t to_ms(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_ms(std::int64_t ms) noexcept {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(ms)));
}

std::int64_t now_ms() noexcept { return to_ms(std::chrono::system_clock::now()); }

/// A default-constructed (epoch) time point means "now".
std::int64_t ms_or_now(std::chrono::system_clock::time_point t) noexcept {
  return t.time_since_epoch().count() == 0 ? now_ms() : to_ms(t);
}

/// SQLite's LIMIT takes a signed 64-bit value.
std::int64_t sql_limit(std::size_t limit) noexcept {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min<std::uint64_t>(limit, max));
}

std::string route_name(const route_key& r) { return r.tenant + "/" + r.route; }

run_status parse_run_status(std::string_view s) {
  for (auto status : {run_status::running, run_status::succeeded, run_status::failed,
                      run_status::stopped, run_status::aborted}) {
    if (s == to_string(status)) return status;
  }
  throw sqlite::error("unknown run status '" + std::string(s) + "'");
}

/// Reads one integer from a statement returning one row (PRAGMA or count).
std::int64_t query_int(sqlite3* db, const char* sql) {
  auto stmt = sqlite::prepare(db, sql);
  sqlite::statement_use q(stmt);
  return q.step() ? q.int64(0) : 0;
}

std::string query_text(sqlite3* db, const char* sql) {
  auto stmt = sqlite::prepare(db, sql);
  sqlite::statement_use q(stmt);
  return q.step() ? q.text(0) : std::string();
}

constexpr const char* dead_letter_columns =
    "id, tenant, route, stage, record_json, reason, attempts, first_failed, last_failed";
constexpr const char* run_columns =
    "id, tenant, route, started, finished, read, written, filtered, dead_lettered, retries, "
    "status, message";

dead_letter read_dead_letter(const sqlite::statement_use& q) {
  dead_letter d;
  d.id = q.int64(0);
  d.route = {q.text(1), q.text(2)};
  d.stage = q.text(3);
  d.record_json = q.text(4);
  d.reason = q.text(5);
  d.attempts = static_cast<int>(q.int64(6));
  d.first_failed = from_ms(q.int64(7));
  d.last_failed = from_ms(q.int64(8));
  return d;
}

run_record read_run(const sqlite::statement_use& q) {
  run_record r;
  r.id = q.int64(0);
  r.route = {q.text(1), q.text(2)};
  r.started = from_ms(q.int64(3));
  if (!q.is_null(4)) r.finished = from_ms(q.int64(4));
  r.counts = {q.uint64(5), q.uint64(6), q.uint64(7), q.uint64(8), q.uint64(9)};
  r.status = parse_run_status(q.text(10));
  r.message = q.text(11);
  return r;
}

/// Every statement the store runs, prepared once when the store opens.
struct statements {
  explicit statements(sqlite3* db)
      : begin(sqlite::prepare(db, "BEGIN IMMEDIATE")),
        begin_read(sqlite::prepare(db, "BEGIN")),
        commit(sqlite::prepare(db, "COMMIT")),
        rollback(sqlite::prepare(db, "ROLLBACK")),
        select_cursor(
            sqlite::prepare(db, "SELECT cursor FROM cursors WHERE tenant = ?1 AND route = ?2")),
        upsert_cursor(sqlite::prepare(
            db,
            "INSERT INTO cursors (tenant, route, cursor, updated_at) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (tenant, route) DO UPDATE SET cursor = excluded.cursor, "
            "updated_at = excluded.updated_at")),
        delete_cursor(sqlite::prepare(db, "DELETE FROM cursors WHERE tenant = ?1 AND route = ?2")),
        select_id(sqlite::prepare(db,
                                  "SELECT target_key, payload_hash FROM id_map "
                                  "WHERE tenant = ?1 AND route = ?2 AND source_key = ?3")),
        upsert_id(sqlite::prepare(
            db,
            "INSERT INTO id_map (tenant, route, source_key, target_key, payload_hash, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant, route, source_key) DO UPDATE "
            "SET target_key = excluded.target_key, payload_hash = excluded.payload_hash, "
            "updated_at = excluded.updated_at")),
        delete_id(sqlite::prepare(
            db, "DELETE FROM id_map WHERE tenant = ?1 AND route = ?2 AND source_key = ?3")),
        count_ids(
            sqlite::prepare(db, "SELECT count(*) FROM id_map WHERE tenant = ?1 AND route = ?2")),
        select_stale_ids(sqlite::prepare(
            db,
            "SELECT source_key FROM id_map WHERE tenant = ?1 AND route = ?2 AND updated_at < ?3 "
            "AND source_key > ?4 ORDER BY source_key LIMIT ?5")),
        insert_dead_letter(sqlite::prepare(
            db,
            "INSERT INTO dead_letters (tenant, route, stage, record_json, reason, attempts, "
            "first_failed, last_failed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")),
        select_dead_letters(sqlite::prepare(db, std::string("SELECT ") + dead_letter_columns +
                                                    " FROM dead_letters ORDER BY id LIMIT ?1")),
        select_route_dead_letters(sqlite::prepare(
            db, std::string("SELECT ") + dead_letter_columns +
                    " FROM dead_letters WHERE tenant = ?1 AND route = ?2 ORDER BY id LIMIT ?3")),
        select_dead_letter(sqlite::prepare(
            db, std::string("SELECT ") + dead_letter_columns + " FROM dead_letters WHERE id = ?1")),
        delete_dead_letter(sqlite::prepare(db, "DELETE FROM dead_letters WHERE id = ?1")),
        replay_failure(sqlite::prepare(db,
                                       "UPDATE dead_letters SET attempts = attempts + 1, "
                                       "reason = ?2, last_failed = ?3 WHERE id = ?1")),
        count_dead_letters(sqlite::prepare(
            db, "SELECT count(*) FROM dead_letters WHERE tenant = ?1 AND route = ?2")),
        abort_runs(sqlite::prepare(db,
                                   "UPDATE runs SET status = 'aborted', message = ?3 "
                                   "WHERE tenant = ?1 AND route = ?2 AND status = 'running'")),
        insert_run(sqlite::prepare(db,
                                   "INSERT INTO runs (tenant, route, started, status) "
                                   "VALUES (?1, ?2, ?3, 'running')")),
        update_run(sqlite::prepare(
            db,
            "UPDATE runs SET read = ?2, written = ?3, filtered = ?4, dead_lettered = ?5, "
            "retries = ?6 WHERE id = ?1 AND status = 'running'")),
        finish_run(sqlite::prepare(
            db,
            "UPDATE runs SET read = ?2, written = ?3, filtered = ?4, dead_lettered = ?5, "
            "retries = ?6, status = ?7, message = ?8, finished = ?9 WHERE id = ?1")),
        select_runs(sqlite::prepare(
            db, std::string("SELECT ") + run_columns + " FROM runs ORDER BY id DESC LIMIT ?1")),
        select_route_runs(sqlite::prepare(
            db, std::string("SELECT ") + run_columns +
                    " FROM runs WHERE tenant = ?1 AND route = ?2 ORDER BY id DESC LIMIT ?3")),
        select_kv(sqlite::prepare(
            db, "SELECT value FROM kv WHERE tenant = ?1 AND route = ?2 AND key = ?3")),
        upsert_kv(sqlite::prepare(db,
                                  "INSERT INTO kv (tenant, route, key, value) "
                                  "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant, route, key) "
                                  "DO UPDATE SET value = excluded.value")),
        delete_kv(
            sqlite::prepare(db, "DELETE FROM kv WHERE tenant = ?1 AND route = ?2 AND key = ?3")) {}

  sqlite::statement begin;
  sqlite::statement begin_read;  ///< deferred: a read transaction until something writes
  sqlite::statement commit;
  sqlite::statement rollback;
  sqlite::statement select_cursor;
  sqlite::statement upsert_cursor;
  sqlite::statement delete_cursor;
  sqlite::statement select_id;
  sqlite::statement upsert_id;
  sqlite::statement delete_id;
  sqlite::statement count_ids;
  sqlite::statement select_stale_ids;
  sqlite::statement insert_dead_letter;
  sqlite::statement select_dead_letters;
  sqlite::statement select_route_dead_letters;
  sqlite::statement select_dead_letter;
  sqlite::statement delete_dead_letter;
  sqlite::statement replay_failure;
  sqlite::statement count_dead_letters;
  sqlite::statement abort_runs;
  sqlite::statement insert_run;
  sqlite::statement update_run;
  sqlite::statement finish_run;
  sqlite::statement select_runs;
  sqlite::statement select_route_runs;
  sqlite::statement select_kv;
  sqlite::statement upsert_kv;
  sqlite::statement delete_kv;
};

class sqlite_state_store final : public state_store, public batch_id_reader {
 public:
  explicit sqlite_state_store(const std::filesystem::path& path)
      : prefix_("state store " + path.string() + ": ") {
    guarded([] { return "open"; }, [&] { db_ = open_connection(path); });
    const auto version = guarded([] { return "read schema version"; }, [&] { return check(); });
    for (int next = static_cast<int>(version) + 1; next <= latest_version; ++next) {
      guarded([&] { return "migrate to schema version " + std::to_string(next); },
              [&] { migrate_to(next); });
    }
    guarded([] { return "prepare statements"; },
            [&] { stmts_ = std::make_unique<statements>(db_.get()); });
    if (const char* file = sqlite3_db_filename(db_.get(), "main"); file != nullptr && *file) {
      guarded([] { return "start the checkpoint thread"; },
              [&] { checkpointer_ = std::make_unique<sqlite::wal_checkpointer>(db_.get(), file); });
    }
  }

  int schema_version() override { return latest_version; }

  std::optional<std::string> cursor(const route_key& route) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "read cursor for " + route_name(route); },
                   [&]() -> std::optional<std::string> {
                     sqlite::statement_use q(stmts_->select_cursor);
                     q.bind(1, route.tenant).bind(2, route.route);
                     if (!q.step()) return std::nullopt;
                     return q.text(0);
                   });
  }

  void commit(const route_key& route, std::string_view cursor,
              std::span<const dead_letter> new_dead_letters) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "commit cursor for " + route_name(route); },
            [&] {
              sqlite::transaction tx(stmts_->begin, stmts_->commit, stmts_->rollback);
              insert_dead_letters(new_dead_letters, &route, nullptr);
              {
                sqlite::statement_use q(stmts_->upsert_cursor);
                q.bind(1, route.tenant).bind(2, route.route).bind(3, cursor).bind(4, now_ms());
                q.run();
              }
              tx.commit();
            });
  }

  void reset_cursor(const route_key& route) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "reset cursor for " + route_name(route); },
            [&] {
              sqlite::statement_use q(stmts_->delete_cursor);
              q.bind(1, route.tenant).bind(2, route.route).run();
            });
  }

  std::optional<id_entry> find_id(const route_key& route, std::string_view source_key) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "find id for " + route_name(route); },
                   [&]() -> std::optional<id_entry> {
                     sqlite::statement_use q(stmts_->select_id);
                     q.bind(1, route.tenant).bind(2, route.route).bind(3, source_key);
                     if (!q.step()) return std::nullopt;
                     return id_entry{q.text(0), q.text(1)};
                   });
  }

  std::vector<std::optional<id_entry>> find_ids(const route_key& route,
                                                std::span<const std::string_view> keys) override {
    std::vector<std::optional<id_entry>> found(keys.size());
    if (keys.empty()) return found;
    std::lock_guard lock(mutex_);
    guarded([&] { return "find ids for " + route_name(route); },
            [&] {
              // One read transaction (its WAL read lock taken once, not per key), in key order.
              std::vector<std::size_t> order(keys.size());
              for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
              std::sort(order.begin(), order.end(),
                        [&keys](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
              sqlite::transaction tx(stmts_->begin_read, stmts_->commit, stmts_->rollback);
              for (const auto i : order) {
                sqlite::statement_use q(stmts_->select_id);
                q.bind(1, route.tenant).bind(2, route.route).bind(3, keys[i]);
                if (q.step()) found[i] = id_entry{q.text(0), q.text(1)};
              }
              tx.commit();
            });
    return found;
  }

  void put_ids(const route_key& route, std::span<const id_update> updates) override {
    if (updates.empty()) return;
    std::lock_guard lock(mutex_);
    guarded([&] { return "put ids for " + route_name(route); },
            [&] {
              const auto now = now_ms();
              // In key order, the B-tree is walked once from left to right instead of at
              // random (source keys are often GUIDs); a key given twice keeps its last value.
              std::vector<const id_update*> ordered;
              ordered.reserve(updates.size());
              for (const auto& u : updates) ordered.push_back(&u);
              std::stable_sort(ordered.begin(), ordered.end(),
                               [](const id_update* a, const id_update* b) {
                                 return a->source_key < b->source_key;
                               });
              sqlite::transaction tx(stmts_->begin, stmts_->commit, stmts_->rollback);
              for (const auto* update : ordered) {
                const auto& u = *update;
                if (u.entry) {
                  sqlite::statement_use q(stmts_->upsert_id);
                  q.bind(1, route.tenant).bind(2, route.route).bind(3, u.source_key);
                  q.bind(4, u.entry->target_key).bind(5, u.entry->payload_hash).bind(6, now);
                  q.run();
                } else {
                  sqlite::statement_use q(stmts_->delete_id);
                  q.bind(1, route.tenant).bind(2, route.route).bind(3, u.source_key).run();
                }
              }
              tx.commit();
            });
  }

  std::uint64_t count_ids(const route_key& route) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "count ids for " + route_name(route); },
                   [&] { return count(stmts_->count_ids, route); });
  }

  std::vector<std::string> stale_ids(const route_key& route,
                                     std::chrono::system_clock::time_point before,
                                     std::string_view after_key, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "list stale ids for " + route_name(route); },
                   [&] {
                     std::vector<std::string> keys;
                     sqlite::statement_use q(stmts_->select_stale_ids);
                     q.bind(1, route.tenant)
                         .bind(2, route.route)
                         .bind(3, to_ms(before))
                         .bind(4, after_key)
                         .bind(5, static_cast<std::int64_t>(limit));
                     while (q.step()) keys.push_back(q.text(0));
                     return keys;
                   });
  }

  std::vector<std::int64_t> add_dead_letters(std::span<const dead_letter> letters) override {
    std::vector<std::int64_t> ids;
    if (letters.empty()) return ids;
    ids.reserve(letters.size());
    std::lock_guard lock(mutex_);
    guarded([] { return "add dead letters"; },
            [&] {
              sqlite::transaction tx(stmts_->begin, stmts_->commit, stmts_->rollback);
              insert_dead_letters(letters, nullptr, &ids);
              tx.commit();
            });
    return ids;
  }

  std::vector<dead_letter> dead_letters(const std::optional<route_key>& route,
                                        std::size_t limit) override {
    std::lock_guard lock(mutex_);
    return guarded([] { return "list dead letters"; },
                   [&] {
                     std::vector<dead_letter> out;
                     if (limit == 0) return out;
                     sqlite::statement_use q(route ? stmts_->select_route_dead_letters
                                                   : stmts_->select_dead_letters);
                     if (route) {
                       q.bind(1, route->tenant).bind(2, route->route).bind(3, sql_limit(limit));
                     } else {
                       q.bind(1, sql_limit(limit));
                     }
                     while (q.step()) out.push_back(read_dead_letter(q));
                     return out;
                   });
  }

  std::optional<dead_letter> dead_letter_by_id(std::int64_t id) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "read dead letter " + std::to_string(id); },
                   [&]() -> std::optional<dead_letter> {
                     sqlite::statement_use q(stmts_->select_dead_letter);
                     q.bind(1, id);
                     if (!q.step()) return std::nullopt;
                     return read_dead_letter(q);
                   });
  }

  bool remove_dead_letter(std::int64_t id) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "remove dead letter " + std::to_string(id); },
                   [&] {
                     sqlite::statement_use q(stmts_->delete_dead_letter);
                     q.bind(1, id).run();
                     return sqlite3_changes(db_.get()) > 0;
                   });
  }

  void record_replay_failure(std::int64_t id, std::string_view reason) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "record replay failure of dead letter " + std::to_string(id); },
            [&] {
              sqlite::statement_use q(stmts_->replay_failure);
              q.bind(1, id).bind(2, reason).bind(3, now_ms()).run();
            });
  }

  std::uint64_t count_dead_letters(const route_key& route) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "count dead letters for " + route_name(route); },
                   [&] { return count(stmts_->count_dead_letters, route); });
  }

  std::int64_t begin_run(const route_key& route) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "begin run for " + route_name(route); },
                   [&] {
                     sqlite::transaction tx(stmts_->begin, stmts_->commit, stmts_->rollback);
                     {
                       sqlite::statement_use q(stmts_->abort_runs);
                       q.bind(1, route.tenant).bind(2, route.route).bind(3, aborted_run_message);
                       q.run();
                     }
                     {
                       sqlite::statement_use q(stmts_->insert_run);
                       q.bind(1, route.tenant).bind(2, route.route).bind(3, now_ms()).run();
                     }
                     const auto id = sqlite3_last_insert_rowid(db_.get());
                     tx.commit();
                     return id;
                   });
  }

  void update_run(std::int64_t run_id, const run_counts& counts) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "update run " + std::to_string(run_id); },
            [&] {
              sqlite::statement_use q(stmts_->update_run);
              bind_counts(q.bind(1, run_id), counts).run();
            });
  }

  void finish_run(std::int64_t run_id, run_status status, const run_counts& counts,
                  std::string_view message) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "finish run " + std::to_string(run_id); },
            [&] {
              sqlite::statement_use q(stmts_->finish_run);
              bind_counts(q.bind(1, run_id), counts);
              q.bind(7, to_string(status)).bind(8, message);
              if (status == run_status::running) {
                q.bind_null(9);
              } else {
                q.bind(9, now_ms());
              }
              q.run();
              if (sqlite3_changes(db_.get()) == 0) throw sqlite::error("no such run");
            });
  }

  std::vector<run_record> runs(const std::optional<route_key>& route, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    return guarded(
        [] { return "list runs"; },
        [&] {
          std::vector<run_record> out;
          if (limit == 0) return out;
          sqlite::statement_use q(route ? stmts_->select_route_runs : stmts_->select_runs);
          if (route) {
            q.bind(1, route->tenant).bind(2, route->route).bind(3, sql_limit(limit));
          } else {
            q.bind(1, sql_limit(limit));
          }
          while (q.step()) out.push_back(read_run(q));
          return out;
        });
  }

  std::optional<std::string> kv_get(const route_key& route, std::string_view key) override {
    std::lock_guard lock(mutex_);
    return guarded([&] { return "get key " + std::string(key) + " for " + route_name(route); },
                   [&]() -> std::optional<std::string> {
                     sqlite::statement_use q(stmts_->select_kv);
                     q.bind(1, route.tenant).bind(2, route.route).bind(3, key);
                     if (!q.step()) return std::nullopt;
                     return q.blob(0);
                   });
  }

  void kv_put(const route_key& route, std::string_view key, std::string_view value) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "put key " + std::string(key) + " for " + route_name(route); },
            [&] {
              sqlite::statement_use q(stmts_->upsert_kv);
              q.bind(1, route.tenant).bind(2, route.route).bind(3, key).bind_blob(4, value).run();
            });
  }

  void kv_erase(const route_key& route, std::string_view key) override {
    std::lock_guard lock(mutex_);
    guarded([&] { return "erase key " + std::string(key) + " for " + route_name(route); },
            [&] {
              sqlite::statement_use q(stmts_->delete_kv);
              q.bind(1, route.tenant).bind(2, route.route).bind(3, key).run();
            });
  }

 private:
  /// Runs `body`; turns a sqlite::error into a std::runtime_error naming the store and `op()`.
  template <class Op, class Body>
  auto guarded(Op&& op, Body&& body) -> decltype(body()) {
    try {
      return body();
    } catch (const sqlite::error& e) {
      throw std::runtime_error(prefix_ + std::string(op()) + ": " + e.what());
    }
  }

  sqlite::connection open_connection(const std::filesystem::path& path) {
    if (path.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
      if (ec) {
        throw sqlite::error("cannot create directory " + path.parent_path().string() + ": " +
                            ec.message());
      }
    }
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(
        path.c_str(), &raw,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    sqlite::connection db(raw);
    if (rc != SQLITE_OK) {
      if (!db) throw sqlite::error(sqlite3_errstr(rc));
      sqlite::throw_error(db.get());
    }
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    const auto mode = query_text(db.get(), "PRAGMA journal_mode = WAL");
    const bool in_memory = *sqlite3_db_filename(db.get(), "main") == '\0';
    if (mode != "wal" && !in_memory) {
      throw sqlite::error("cannot switch to WAL journal mode (journal mode is " + mode + ")");
    }
    sqlite::exec(db.get(), "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
    return db;
  }

  /// Checks that the file is this host's state store (or empty) and returns its version.
  std::int64_t check() {
    const auto version = query_int(db_.get(), "PRAGMA user_version");
    if (version > latest_version) {
      throw sqlite::error("schema version " + std::to_string(version) +
                          " is newer than the newest this host knows (" +
                          std::to_string(latest_version) + "); upgrade switchboard");
    }
    const auto app = query_int(db_.get(), "PRAGMA application_id");
    const bool foreign = version > 0
                             ? app != application_id
                             : query_int(db_.get(), "SELECT count(*) FROM sqlite_schema") > 0;
    if (foreign) throw sqlite::error("not a switchboard state store");
    return version;
  }

  /// Applies migration step `version` and records the version in one transaction. Re-reads
  /// the version inside the transaction, so concurrent openers apply each step once.
  void migrate_to(int version) {
    sqlite::exec(db_.get(), "BEGIN IMMEDIATE");
    try {
      if (query_int(db_.get(), "PRAGMA user_version") < version) {
        sqlite::exec(db_.get(), migrations[version - 1]);
        sqlite::exec(db_.get(), ("PRAGMA user_version = " + std::to_string(version)).c_str());
      }
      sqlite::exec(db_.get(), "COMMIT");
    } catch (...) {
      if (sqlite3_get_autocommit(db_.get()) == 0) {
        sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      }
      throw;
    }
  }

  /// Inserts letters under `route` (or each letter's own route when null); collects ids.
  void insert_dead_letters(std::span<const dead_letter> letters, const route_key* route,
                           std::vector<std::int64_t>* ids) {
    for (const auto& d : letters) {
      const route_key& r = route != nullptr ? *route : d.route;
      const auto first = ms_or_now(d.first_failed);
      const auto last =
          d.last_failed.time_since_epoch().count() == 0 ? first : to_ms(d.last_failed);
      sqlite::statement_use q(stmts_->insert_dead_letter);
      q.bind(1, r.tenant).bind(2, r.route).bind(3, d.stage).bind(4, d.record_json);
      q.bind(5, d.reason).bind(6, d.attempts).bind(7, first).bind(8, last);
      q.run();
      if (ids != nullptr) ids->push_back(sqlite3_last_insert_rowid(db_.get()));
    }
  }

  static sqlite::statement_use& bind_counts(sqlite::statement_use& q, const run_counts& c) {
    return q.bind(2, c.read)
        .bind(3, c.written)
        .bind(4, c.filtered)
        .bind(5, c.dead_lettered)
        .bind(6, c.retries);
  }

  static std::uint64_t count(const sqlite::statement& stmt, const route_key& route) {
    sqlite::statement_use q(stmt);
    q.bind(1, route.tenant).bind(2, route.route);
    return q.step() ? q.uint64(0) : 0;
  }

  const std::string prefix_;
  std::mutex mutex_;
  sqlite::connection db_;
  std::unique_ptr<statements> stmts_;
  /// Destroyed before db_, whose WAL hook it is.
  std::unique_ptr<sqlite::wal_checkpointer> checkpointer_;
};

}  // namespace
}  // namespace sqlite_state

const char* to_string(run_status s) noexcept {
  switch (s) {
    case run_status::running:
      return "running";
    case run_status::succeeded:
      return "succeeded";
    case run_status::failed:
      return "failed";
    case run_status::stopped:
      return "stopped";
    case run_status::aborted:
      return "aborted";
  }
  return "unknown";
}

std::unique_ptr<state_store> open_sqlite_state_store(const std::filesystem::path& path) {
  return std::make_unique<sqlite_state::sqlite_state_store>(path);
}

int latest_state_schema_version() noexcept { return sqlite_state::latest_version; }

}  // namespace switchboard::host
