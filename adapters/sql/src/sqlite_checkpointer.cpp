#include "sqlite_checkpointer.hpp"

#include <utility>

namespace libsync::sql {

// SQLite calls this after each commit on a watched connection (inside the commit's call,
// this process's other writers held off), with the WAL's size.
int AfterCommit(void* arg, sqlite3* db, const char*, int pages_in_wal) {
  auto* checkpointer = static_cast<SqliteCheckpointer*>(arg);
  const int before = checkpointer->pages_after_last_commit_.exchange(pages_in_wal);
  // A WAL smaller than before started again from its beginning: all of it is this commit's.
  const int written = pages_in_wal >= before ? pages_in_wal - before : pages_in_wal;
  if (pages_in_wal < SqliteCheckpointer::kPages) return SQLITE_OK;
  if (written >= SqliteCheckpointer::kPages) {
    checkpointer->Request();
  } else {
    CheckpointPassively(db);
  }
  return SQLITE_OK;
}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SqliteCheckpointer::Watch(sqlite3* db) {
  // The hook takes the place of the automatic checkpoint (which SQLite installs as this
  // same hook).
  sqlite3_wal_hook(db, AfterCommit, this);
}

void SqliteCheckpointer::Start(std::function<void()> checkpoint) {
  checkpoint_ = std::move(checkpoint);
  thread_ = std::thread([this] { Run(); });
}

void SqliteCheckpointer::Request() {
  {
    MutexLock lock(mutex_);
    requested_ = true;
  }
  changed_.notify_one();
}

void SqliteCheckpointer::Run() {
  for (;;) {
    {
      MutexLock lock(mutex_);
      changed_.wait(lock, [&]() LIBSYNC_REQUIRES(mutex_) { return requested_ || stopping_; });
      if (stopping_) return;
      requested_ = false;
    }
    checkpoint_();
  }
}

void CheckpointPassively(sqlite3* db) {
  // SQLITE_BUSY (a checkpoint of another connection or process is running) and errors
  // leave the pages in the WAL, where readers find them; the next request tries again.
  sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

}  // namespace libsync::sql
