// The background WAL checkpointer of the SQLite state store.
#include "wal_checkpointer.hpp"

namespace switchboard::host::sqlite {
namespace {

constexpr int sqlite_default_autocheckpoint = 1000;  // frames (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT)

}  // namespace

wal_checkpointer::wal_checkpointer(sqlite3* writer, const std::filesystem::path& path, limits l)
    : writer_(writer), limits_(l) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
  own_.reset(raw);
  if (rc != SQLITE_OK) {
    if (!own_) throw error(sqlite3_errstr(rc));
    throw_error(own_.get());
  }
  // A checkpoint syncs as its connection's synchronous setting says: the writer's.
  exec(own_.get(), "PRAGMA synchronous = NORMAL");
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_, &wal_checkpointer::on_commit, this);
}

wal_checkpointer::~wal_checkpointer() {
  // Back to SQLite's own auto-checkpoint, at its default threshold, for whatever the writer
  // commits after this.
  sqlite3_wal_autocheckpoint(writer_, sqlite_default_autocheckpoint);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int wal_checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int frames) {
  auto& me = *static_cast<wal_checkpointer*>(self);
  if (frames >= me.limits_.inline_frames) {
    // Far behind: the writer checkpoints, as SQLite's auto-checkpoint would have. A failure
    // leaves the frames in the WAL for the next attempt, as SQLite's own hook does.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    std::lock_guard lock(me.mutex_);
    ++me.stats_.inline_checkpoints;
    return SQLITE_OK;
  }
  if (frames >= me.limits_.background_frames) {
    {
      std::lock_guard lock(me.mutex_);
      me.requested_ = true;
    }
    me.wake_.notify_one();
  }
  return SQLITE_OK;
}

void wal_checkpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    running_ = true;
    lock.unlock();
    int log_frames = 0;
    int checkpointed = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_.get(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                             &log_frames, &checkpointed);
    // SQLITE_BUSY: another checkpoint (the writer's inline one) was running; the next commit
    // asks again.
    std::string failure = rc == SQLITE_OK || rc == SQLITE_BUSY ? "" : sqlite3_errmsg(own_.get());
    lock.lock();
    running_ = false;
    ++stats_.checkpoints;
    stats_.last_log_frames = log_frames;
    stats_.last_checkpointed_frames = checkpointed;
    if (!failure.empty()) stats_.last_error = std::move(failure);
    if (!requested_) idle_.notify_all();
  }
}

wal_checkpointer::stats wal_checkpointer::snapshot() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void wal_checkpointer::wait_idle() const {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return !requested_ && !running_; });
}

}  // namespace switchboard::host::sqlite
