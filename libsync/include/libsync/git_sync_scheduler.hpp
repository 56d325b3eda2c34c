#pragma once
// GitSyncScheduler: imports that run by themselves, in the background (push webhooks now,
// polling later), one at a time per project, with the requests that arrive meanwhile
// folded into one more.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "libsync/git_sync_service.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

struct GitSyncSchedulerOptions {
  /// Threads that run background imports: how many projects import at once. Their own,
  /// so a slow remote never holds a thread that answers requests.
  int threads = 2;
  /// Who the imports run as (the author of the versions they write is "git:<branch>"
  /// whatever this says; it names the caller in errors and logs).
  std::string caller_name = "git-scheduler";
};

/// Thread-safe. Runs each requested import on one of its threads through
/// GitSyncService::Import (with the admin's rights, waiting for any sync of the project
/// already running). A request for a project whose import is queued or running does not
/// start another: it makes sure one more import starts after the current one, so any
/// number of requests during an import cost at most one more (the changes they announce
/// are all in the repository by then).
class GitSyncScheduler {
 public:
  /// What RequestImport did.
  enum class Outcome {
    kStarted,    ///< nothing was queued or running for the project: an import is queued now
    kCoalesced,  ///< an import was queued or running: one more follows it (at most one)
  };

  /// Called after every background import with its result (for the sync status; may be
  /// empty). Runs on the scheduler's thread; must not call back into the scheduler.
  using Listener = std::function<void(std::string_view project_id, const Result<ImportReport>& result)>;

  /// `git` must outlive the scheduler.
  GitSyncScheduler(GitSyncService& git, GitSyncSchedulerOptions options = {}, Listener listener = nullptr);
  /// Drops what is queued, waits for the imports that are running (a GitRemote whose
  /// transfers can be cancelled ends them sooner), and ends the threads.
  ~GitSyncScheduler();
  GitSyncScheduler(const GitSyncScheduler&) = delete;
  GitSyncScheduler& operator=(const GitSyncScheduler&) = delete;

  Outcome RequestImport(std::string_view project_id);

  /// Blocks until nothing is queued or running (tests; a clean shutdown).
  void WaitIdle();

  /// Imports run so far, finished or failed.
  std::uint64_t imports_run() const;

 private:
  /// A project's place in the scheduler: queued or running, and whether one more import
  /// was asked for meanwhile.
  struct Entry {
    bool running = false;
    bool again = false;
  };

  void Work();

  GitSyncService& git_;
  const GitSyncSchedulerOptions options_;
  const Listener listener_;
  mutable Mutex mutex_;
  std::condition_variable_any wake_;  ///< work was queued, or the scheduler is stopping
  std::condition_variable_any idle_;  ///< an import ended
  std::map<std::string, Entry, std::less<>> entries_ LIBSYNC_GUARDED_BY(mutex_);  ///< queued or running
  std::deque<std::string> queue_ LIBSYNC_GUARDED_BY(mutex_);  ///< projects whose import waits for a thread
  std::uint64_t imports_run_ LIBSYNC_GUARDED_BY(mutex_) = 0;
  bool stopping_ LIBSYNC_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;  ///< last: started once everything above exists
};

}  // namespace libsync
