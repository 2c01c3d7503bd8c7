// Tests of the background WAL checkpointer: commits are checkpointed off the writer's thread,
// the WAL file is reused instead of growing, the writer takes over when the thread lags, and
// the hook is gone once the checkpointer is.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "state/sqlite_handle.hpp"
#include "state/wal_checkpointer.hpp"
#include "support/test_support.hpp"

namespace switchboard::host::sqlite {
namespace {

connection open_writer(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
      SQLITE_OK);
  connection db(raw);
  exec(db.get(),
       "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
       "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
  return db;
}

/// One transaction of `rows` rows of about 1 KiB: some 250 pages per 1000 rows.
void insert_rows(sqlite3* db, int first, int rows) {
  exec(db, "BEGIN");
  for (int i = first; i < first + rows; ++i) {
    const std::string sql = "INSERT INTO t VALUES ('key-" + std::to_string(i) + "', '" +
                            std::string(1000, static_cast<char>('a' + i % 26)) + "')";
    exec(db, sql.c_str());
  }
  exec(db, "COMMIT");
}

std::uintmax_t wal_size(const std::filesystem::path& path) {
  return std::filesystem::file_size(path.string() + "-wal");
}

class WalCheckpointer : public ::testing::Test {
 protected:
  test::temp_dir dir_;
  const std::filesystem::path path_ = dir_ / "state.db";
  connection writer_ = open_writer(path_);
};

/// Background checkpoints past 100 frames; the writer's own only far beyond.
constexpr wal_checkpointer::limits eager{.background_frames = 100, .inline_frames = 1000000};

TEST_F(WalCheckpointer, CheckpointsEveryFrameOnItsOwnThreadOnceTheThresholdIsCrossed) {
  wal_checkpointer checkpointer(writer_.get(), path_, eager);
  insert_rows(writer_.get(), 0, 20);  // well under 100 frames: nothing to do yet
  checkpointer.wait_idle();
  EXPECT_EQ(checkpointer.snapshot().checkpoints, 0u);

  insert_rows(writer_.get(), 20, 1000);
  checkpointer.wait_idle();
  const auto s = checkpointer.snapshot();
  EXPECT_EQ(s.checkpoints, 1u);
  EXPECT_EQ(s.inline_checkpoints, 0u);
  EXPECT_EQ(s.last_error, "");
  EXPECT_GE(s.last_log_frames, 100);
  EXPECT_EQ(s.last_checkpointed_frames, s.last_log_frames);
}

TEST_F(WalCheckpointer, TheWalIsReusedSoItsFileStopsGrowing) {
  wal_checkpointer checkpointer(writer_.get(), path_, eager);
  insert_rows(writer_.get(), 0, 1000);
  checkpointer.wait_idle();
  const auto after_first = wal_size(path_);
  for (int batch = 1; batch <= 10; ++batch) {
    insert_rows(writer_.get(), batch * 1000, 1000);
    checkpointer.wait_idle();
  }
  EXPECT_EQ(checkpointer.snapshot().checkpoints, 11u);
  // Eleven batches of some 260 pages each, but the WAL restarts after each checkpoint: its
  // file holds about one batch, not eleven.
  EXPECT_LE(wal_size(path_), after_first * 2);
  sqlite3_stmt* raw = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(writer_.get(), "SELECT count(*) FROM t", -1, &raw, nullptr),
            SQLITE_OK);
  statement count(raw);
  ASSERT_EQ(sqlite3_step(count.get()), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count.get(), 0), 11000);
}

TEST_F(WalCheckpointer, TheWriterCheckpointsItselfPastTheInlineLimit) {
  wal_checkpointer checkpointer(writer_.get(), path_,
                                {.background_frames = 100000, .inline_frames = 100});
  insert_rows(writer_.get(), 0, 1000);
  checkpointer.wait_idle();
  const auto s = checkpointer.snapshot();
  EXPECT_EQ(s.inline_checkpoints, 1u);
  EXPECT_EQ(s.checkpoints, 0u);
}

/// Frames in the WAL now, from a passive checkpoint (which copies them, but does not restart it).
int wal_frames(sqlite3* db) {
  int log_frames = -1;
  EXPECT_EQ(sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log_frames, nullptr),
            SQLITE_OK);
  return log_frames;
}

TEST_F(WalCheckpointer, AfterItIsGoneSqlitesOwnAutoCheckpointIsBack) {
  {
    wal_checkpointer checkpointer(writer_.get(), path_,
                                  {.background_frames = 100000, .inline_frames = 1000000});
    insert_rows(writer_.get(), 0, 5000);  // thousands of frames, left in the WAL
    checkpointer.wait_idle();
    EXPECT_EQ(checkpointer.snapshot().checkpoints, 0u);
  }
  // SQLite's own hook, at its default 1000 frames, checkpoints the next commit, so the one after it
  // starts the WAL over: a handful of frames, not thousands.
  insert_rows(writer_.get(), 5000, 10);
  insert_rows(writer_.get(), 5010, 1);
  EXPECT_LT(wal_frames(writer_.get()), 10);
}

TEST_F(WalCheckpointer, AFileThatCannotBeOpenedIsAnError) {
  EXPECT_THROW(wal_checkpointer(writer_.get(), dir_ / "missing" / "state.db"), error);
}

}  // namespace
}  // namespace switchboard::host::sqlite
