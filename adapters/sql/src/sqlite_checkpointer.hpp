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
/// waits for the file's sync before its call returns. For a commit that wrote the WAL's
/// 1,000 pages by itself (a first import: 20,000 pages for 10,000 docs, which paid a sixth
/// of its time for the copy, docs/performance.md, "Git sync"), watched connections hand the
/// copy to this thread instead; the commit is as durable as before (the WAL is the commit),
/// and readers and writers go on while the pages are copied (a passive checkpoint waits for
/// nobody).
///
/// Smaller commits past the line checkpoint in the commit as SQLite's own did: under a
/// stream of them that keeps each copy complete, so the next commit starts the WAL again
/// from its beginning. (Copies on this thread racing such a stream rarely caught up: the
/// WAL grew with everything written, 500 MB in a test, and the lock cycle ran at half its
/// rate.) While this thread copies, theirs finds the checkpoint busy and leaves the pages
/// to the next commit past the line.
class SqliteCheckpointer {
 public:
  /// Commits that leave at least this many pages in the WAL start a checkpoint (SQLite's
  /// own threshold); those that wrote as many themselves ask this thread for it.
  static constexpr int kPages = 1000;

  SqliteCheckpointer() = default;
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;
  /// Stops the thread after the checkpoint it is running; one asked for and not begun is
  /// left to SQLite (the last connection to close checkpoints the whole WAL).
  ~SqliteCheckpointer();

  /// Replaces `db`'s own checkpoints with the ones described above. The checkpointer must
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
  // The WAL's size after the last commit seen: a commit's own pages are what it added.
  // Written inside commits, which this process's store makes one at a time.
  std::atomic<int> pages_after_last_commit_{0};
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
