#pragma once
// GitSyncScheduler: imports that run by themselves, in the background (push webhooks,
// polling), one at a time per project, with the requests that arrive meanwhile folded
// into one more, and those the project's lock refused run again when the lock ends.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "libsync/git_sync_service.hpp"
#include "libsync/lock_end_tap.hpp"
#include "libsync/service_context.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

struct GitSyncSchedulerOptions {
  /// Threads that run background imports: how many projects import at once. Their own,
  /// so a slow remote never holds a thread that answers requests.
  int threads = 2;
  /// Who the imports run as (the author of the versions they write is "git:<branch>"
  /// whatever this says; it names the caller in errors and logs).
  std::string caller_name = "git-scheduler";
  /// Where the scheduler hears that a project's lock ended (a LockEndTap in the event
  /// path), so an import the lock refused runs then. Null: such an import waits for the
  /// next request (a push, a poll). Must outlive the scheduler.
  LockEndTap* lock_ends = nullptr;
};

/// Thread-safe. Runs each requested import on one of its threads through
/// GitSyncService::Import (with the admin's rights, waiting for any sync of the project
/// already running). A request for a project whose import is queued or running does not
/// start another: it makes sure one more import starts after the current one, so any
/// number of requests during an import cost at most one more (the changes they announce
/// are all in the repository by then).
///
/// An import refused because the project is locked (a lead editing: kLocked) is not lost:
/// the project waits, and the import runs when its lock is released or expires
/// (OnLockEnded, told by a LockEndTap), here or on another server sharing the database.
class GitSyncScheduler {
 public:
  /// What RequestImport did.
  enum class Outcome {
    kStarted,    ///< nothing was queued or running for the project: an import is queued now
    kCoalesced,  ///< an import was queued or running: one more follows it (at most one)
  };

  /// Called after every background import with its result (for the sync status; may be
  /// empty). Runs on the scheduler's thread, which holds no lock of the scheduler then; it
  /// must not wait for the scheduler (WaitIdle, destroying it), whose thread it is.
  using Listener = std::function<void(std::string_view project_id, const Result<ImportReport>& result)>;

  /// `git` must outlive the scheduler.
  GitSyncScheduler(GitSyncService& git, GitSyncSchedulerOptions options = {}, Listener listener = nullptr);
  /// Drops what is queued, waits for the imports that are running (a GitRemote whose
  /// transfers can be cancelled ends them sooner), and ends the threads.
  ~GitSyncScheduler();
  GitSyncScheduler(const GitSyncScheduler&) = delete;
  GitSyncScheduler& operator=(const GitSyncScheduler&) = delete;

  Outcome RequestImport(std::string_view project_id);

  /// Requests an import of each project whose last import is recorded as waiting for its
  /// lock (result "waiting"): a wait no scheduler holds any more, since the server that
  /// held it stopped. Called as a server starts; an import its project's lock still
  /// refuses waits here. Returns how many imports were requested.
  Result<std::size_t> ResumeWaiting(const ServiceContext& ctx);

  /// Blocks until nothing is queued or running, deleted projects' copies included (tests;
  /// a clean shutdown).
  void WaitIdle();

  /// Imports run so far, finished or failed.
  std::uint64_t imports_run() const;

  /// Projects whose last import the lock refused, waiting for it to end.
  std::size_t waiting_for_unlock() const;

  /// `project_id`'s lock was released or expired: if its import was refused for the lock,
  /// it runs now; if one is running and the lock refuses it, it runs again at once (the
  /// lock that refused it may be the one that ended).
  /// Cheap for any other project. Thread-safe; never waits for an import.
  void OnLockEnded(std::string_view project_id);

  /// `project_id` was deleted: it no longer waits for its lock, and one of the scheduler's
  /// threads drops the copy of its repository (GitSyncService::ForgetDeletedProject); a
  /// sync of it still running fails at its next git call. Never waits itself.
  void Forget(std::string_view project_id);

 private:
  /// A project's place in the scheduler: queued or running, and whether one more import
  /// was asked for meanwhile.
  struct Entry {
    bool running = false;
    bool again = false;
    bool lock_ended = false;  ///< the project's lock ended while its import ran
  };

  void Work();
  /// Queues an import of a project that has none queued or running.
  void Queue(std::string_view project_id) LIBSYNC_REQUIRES(mutex_);
  void StopWaiting(std::string_view project_id) LIBSYNC_REQUIRES(mutex_);

  GitSyncService& git_;
  const GitSyncSchedulerOptions options_;
  const Listener listener_;
  mutable Mutex mutex_;
  std::condition_variable_any wake_;  ///< work was queued, or the scheduler is stopping
  std::condition_variable_any idle_;  ///< an import ended
  std::map<std::string, Entry, std::less<>> entries_ LIBSYNC_GUARDED_BY(mutex_);  ///< queued or running
  std::deque<std::string> queue_ LIBSYNC_GUARDED_BY(mutex_);  ///< projects whose import waits for a thread
  std::deque<std::string> forgotten_ LIBSYNC_GUARDED_BY(mutex_);  ///< deleted projects whose copy is to go
  std::size_t forgetting_ LIBSYNC_GUARDED_BY(mutex_) = 0;         ///< copies being dropped now
  /// Projects whose last import the lock refused (none of them in `entries_`).
  std::set<std::string, std::less<>> waiting_for_unlock_ LIBSYNC_GUARDED_BY(mutex_);
  std::uint64_t imports_run_ LIBSYNC_GUARDED_BY(mutex_) = 0;
  bool stopping_ LIBSYNC_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;  ///< last: started once everything above exists
};

}  // namespace libsync
