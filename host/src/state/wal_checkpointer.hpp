// Checkpoints of a WAL database on a thread of their own, so that no commit waits for one.
#pragma once

#include "sqlite_handle.hpp"

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace switchboard::host::sqlite {

/// SQLite's own auto-checkpoint runs inside the commit that crosses its threshold: the writer
/// (the route's sink stage) waits while the WAL's pages are copied into the database file and
/// both files are synced, with nothing in flight to the target meanwhile. A route committing
/// thousands of id map entries per batch crosses the threshold on every batch.
///
/// This replaces it with a WAL hook on the writer's connection that only wakes a thread, which
/// runs passive checkpoints on a connection of its own (WAL mode lets them run beside readers
/// and the writer). Should the thread fall far behind, the writer checkpoints itself at
/// `inline_frames`, as SQLite would have, so the WAL stays bounded.
class wal_checkpointer {
 public:
  struct limits {
    int background_frames = 1000;  ///< SQLite's default auto-checkpoint threshold
    int inline_frames = 32768;     ///< 128 MiB of 4 KiB pages
  };

  /// What the thread has done so far (tests, diagnostics).
  struct stats {
    std::uint64_t checkpoints = 0;  ///< passive checkpoints run by the thread
    std::uint64_t inline_checkpoints = 0;
    int last_log_frames = 0;  ///< WAL frames when the thread's last checkpoint ended
    int last_checkpointed_frames = 0;
    std::string last_error;  ///< of the thread's last failed checkpoint, "" if none
  };

  /// Opens a second connection to `path` (the writer's database file) and installs the hook on
  /// `writer`, which must outlive this object. Throws sqlite::error when the file cannot be
  /// opened.
  wal_checkpointer(sqlite3* writer, const std::filesystem::path& path, limits l);
  wal_checkpointer(sqlite3* writer, const std::filesystem::path& path)
      : wal_checkpointer(writer, path, limits{}) {}
  /// Removes the hook, then stops and joins the thread (a checkpoint in progress completes).
  ~wal_checkpointer();

  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  stats snapshot() const;
  /// Blocks until no checkpoint is requested or running (tests).
  void wait_idle() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void run();

  sqlite3* const writer_;
  const limits limits_;
  connection own_;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  mutable std::condition_variable idle_;
  bool requested_ = false;
  bool running_ = false;
  bool stopping_ = false;
  stats stats_;
  std::thread thread_;
};

}  // namespace switchboard::host::sqlite
