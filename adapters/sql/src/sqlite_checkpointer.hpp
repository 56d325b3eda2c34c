#pragma once
// SqliteCheckpointer: moves the WAL's pages into the database file on a thread of its own.

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <thread>

#include "libsync/thread_annotations.hpp"

namespace libsync::sql {

/// SQLite's own checkpoint runs inside the commit that takes the WAL past 1,000 pages: the
/// writer who crossed the line copies every page in the WAL into the database file and
/// waits for the file's sync before its call returns (a first import of 10,000 docs paid
/// a sixth of its time for it, docs/performance.md, "Git sync"). Watched connections hand
/// that bulk to this thread instead; the commit is as durable as before (the WAL is the
/// commit), and readers and writers go on while the pages are copied (a passive checkpoint
/// waits for nobody).
///
/// The first commit past the line after that copy finishes the checkpoint itself, where
/// SQLite's own would have run: only the pages written since are left to copy. A copy that
/// ends complete lets the next commit start the WAL again from its beginning; copies
/// racing a stream of commits would rarely catch up, and the WAL would only grow (and
/// with it the cost of each commit: the lock cycle ran at half its rate).
class SqliteCheckpointer {
 public:
  /// Commits that leave at least this many pages in the WAL ask for a checkpoint
  /// (SQLite's own threshold).
  static constexpr int kPages = 1000;

  SqliteCheckpointer() = default;
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;
  /// Stops the thread after the checkpoint it is running; one asked for and not begun is
  /// left to SQLite (the last connection to close checkpoints the whole WAL).
  ~SqliteCheckpointer();

  /// Replaces `db`'s own checkpoints with requests to this thread. The checkpointer must
  /// outlive every commit on `db`.
  void Watch(sqlite3* db);

  /// Starts the thread, which calls `checkpoint` once per request (requests made while one
  /// runs are one more call, not one each). Before Start, requests wait.
  void Start(std::function<void()> checkpoint);

  /// Asks for a checkpoint.
  void Request() LIBSYNC_EXCLUDES(mutex_);

 private:
  void Run();
  friend int AfterCommit(void*, sqlite3*, const char*, int);

  std::function<void()> checkpoint_;
  std::atomic<bool> bulk_copied_{false};  // the thread copied the WAL since a commit last finished it
  Mutex mutex_;
  std::condition_variable_any changed_;
  bool requested_ LIBSYNC_GUARDED_BY(mutex_) = false;
  bool stopping_ LIBSYNC_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

/// Copies what it can of `db`'s WAL into its database file without waiting for readers or
/// writers. A checkpoint that finds the WAL busy (another one running) is no error.
void CheckpointPassively(sqlite3* db);

}  // namespace libsync::sql
