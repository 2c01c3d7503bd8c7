// RAII wrappers for SQLite connections, prepared statements and transactions.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchboard::host::sqlite {

/// A failure reported by SQLite; what() is sqlite3_errmsg() (or a description of bad content).
/// Callers catch it and rethrow with the store and the operation in the message.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct connection_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
/// An open connection; closed on destruction.
using connection = std::unique_ptr<sqlite3, connection_closer>;

struct statement_finalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
/// A prepared statement; finalized on destruction.
using statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

/// Throws sqlite::error with the connection's current message.
[[noreturn]] inline void throw_error(sqlite3* db) { throw error(sqlite3_errmsg(db)); }

/// Prepares one long-lived statement.
inline statement prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  statement stmt(raw);
  if (rc != SQLITE_OK) throw_error(db);
  return stmt;
}

/// Runs SQL text that returns no rows (may hold several statements).
inline void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw_error(db);
}

/// One execution of a cached statement: binds parameters, steps and reads columns. Resets the
/// statement and clears its bindings when destroyed, so bound text only has to outlive this
/// object and no read transaction stays open.
class statement_use {
 public:
  explicit statement_use(const statement& stmt) noexcept : stmt_(stmt.get()) {}
  ~statement_use() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  statement_use(const statement_use&) = delete;
  statement_use& operator=(const statement_use&) = delete;

  /// Binds text (1-based index); the bytes must stay alive until this object is destroyed.
  statement_use& bind(int index, std::string_view text) {
    check(sqlite3_bind_text64(stmt_, index, non_null(text), text.size(), nullptr, SQLITE_UTF8));
    return *this;
  }
  statement_use& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  statement_use& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  statement_use& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  statement_use& bind(int index, std::uint64_t value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  statement_use& bind(int index, int value) { return bind(index, std::int64_t{value}); }
  /// Binds bytes as a blob; the bytes must stay alive until this object is destroyed.
  statement_use& bind_blob(int index, std::string_view bytes) {
    check(sqlite3_bind_blob64(stmt_, index, non_null(bytes), bytes.size(), nullptr));
    return *this;
  }
  statement_use& bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }

  /// Advances; true when a row is available, false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_error(sqlite3_db_handle(stmt_));
  }
  /// Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }

  bool is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::int64_t int64(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }
  std::uint64_t uint64(int column) const noexcept {
    return static_cast<std::uint64_t>(sqlite3_column_int64(stmt_, column));
  }
  std::string text(int column) const {
    const unsigned char* data = sqlite3_column_text(stmt_, column);
    if (data == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::string blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    if (data == nullptr) return {};
    return std::string(static_cast<const char*>(data),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  static const char* non_null(std::string_view s) noexcept {
    return s.data() == nullptr ? "" : s.data();
  }
  void check(int rc) const {
    if (rc != SQLITE_OK) throw_error(sqlite3_db_handle(stmt_));
  }

  sqlite3_stmt* stmt_;
};

/// A transaction over cached BEGIN / COMMIT / ROLLBACK statements; rolls back on destruction
/// unless commit() returned.
class transaction {
 public:
  transaction(const statement& begin, const statement& commit, const statement& rollback)
      : commit_(commit), rollback_(rollback) {
    statement_use(begin).run();
  }
  ~transaction() {
    if (committed_) return;
    sqlite3* db = sqlite3_db_handle(rollback_.get());
    if (sqlite3_get_autocommit(db) != 0) return;
    sqlite3_step(rollback_.get());
    sqlite3_reset(rollback_.get());
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  void commit() {
    statement_use(commit_).run();
    committed_ = true;
  }

 private:
  const statement& commit_;
  const statement& rollback_;
  bool committed_ = false;
};

}  // namespace switchboard::host::sqlite
