#pragma once
// GitPoller: for remotes that cannot call back, checks each project's branch head every
// syncIntervalSeconds (with jitter) and asks for an import when it moved. Several servers
// on one database share the work through a lease per project (Transaction::ClaimPoll):
// one polls, and another takes over when its lease lapses.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <string>
#include <thread>

#include "libsync/git_sync_scheduler.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/service_context.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

struct GitPollerOptions {
  /// This server's name in the leases; empty: "poller-" and a new id (one per poller).
  std::string holder;
  /// How often the background thread looks for projects whose poll is due.
  std::chrono::milliseconds tick{1000};
  /// Each poll is scheduled at interval × (1 ± jitter), drawn at random, so servers and
  /// projects started together do not all reach their remotes at the same moment.
  double jitter = 0.1;
};

/// What one pass did.
struct PollPass {
  int checked = 0;           ///< heads asked of remotes (leases this poller holds, polls due)
  int imports_requested = 0; ///< heads that had moved
  int failed = 0;            ///< head checks that failed (left to the next poll)
};

/// Thread-safe. The lease lasts twice the interval plus a minute from each poll, so its
/// holder renews it long before it lapses, and a server that stops polling hands the
/// project to another within about two intervals.
class GitPoller {
 public:
  /// The services and the scheduler must outlive the poller.
  GitPoller(const ServiceContext& ctx, GitSyncService& git, GitSyncScheduler& scheduler, GitPollerOptions options = {});
  /// Stops the background thread, if started.
  ~GitPoller();
  GitPoller(const GitPoller&) = delete;
  GitPoller& operator=(const GitPoller&) = delete;

  /// Runs PollDue every `tick` on a thread of its own until destruction.
  void Start();

  /// One pass at the clock's now: for each project with polling on whose next poll is due
  /// (or was never set), claims its lease, and if this poller holds it, schedules the next
  /// poll and checks the head; a moved head becomes GitSyncScheduler::RequestImport.
  Result<PollPass> PollDue();

  const std::string& holder() const noexcept { return holder_; }

 private:
  std::chrono::milliseconds Jittered(std::int64_t interval_seconds);

  const ServiceContext& ctx_;
  GitSyncService& git_;
  GitSyncScheduler& scheduler_;
  const GitPollerOptions options_;
  const std::string holder_;
  Mutex mutex_;
  std::condition_variable_any wake_;
  bool stopping_ LIBSYNC_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace libsync
