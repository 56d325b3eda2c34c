#pragma once
// Where a request's store call runs: on the network thread that read the request, or on a
// worker.
//
// Handed to a worker, a request costs two thread wake-ups beside its own work: the
// worker's, to take the job, and the network thread's, to read the next request once the
// answer is out. For a lock acquire or release, whose store work is one small transaction
// and its commit, those hops were most of what a lock cycle over HTTP cost beyond the same
// cycle in process (docs/performance.md, "Writes over HTTP"). Run on the network thread,
// the call is answered with no hop at all.
//
// That thread then serves nothing else until the call returns, so it is done only when the
// call is known to be short and to wait on nothing but its own commit:
//   - the server was told the store is this process's alone (a SQLite file held
//     exclusively: no other process's lock to wait for);
//   - the route says its call is short (Api::IsShortStoreCall: the lock routes);
//   - no other store call is running or queued anywhere in the server, on the workers, the
//     git pool or another network thread. So at most one such call runs at a time, it
//     never queues behind a worker's write, and a burst of requests still spreads over the
//     workers, as before. A network thread's other connections wait at most one short
//     call's commit.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace libsync::web {

/// Thread-safe.
class StoreCallPlacement {
 public:
  /// `here_when_idle`: short calls may run on the network thread (see above); false sends
  /// every call to the workers.
  explicit StoreCallPlacement(bool here_when_idle) : here_when_idle_(here_when_idle) {}

  /// Whether a short call could run here now: a cheap look, so that the route is matched
  /// only when it could matter. TryRunHere decides.
  bool MayRunHere() const { return here_when_idle_ && in_flight_.load(std::memory_order_relaxed) == 0; }

  /// True when the caller is to run its (short) store call on its own thread now, and
  /// call Finished once the call returns: no other store call is running or queued. False
  /// when one is, or when the server runs every call on its workers.
  bool TryRunHere();

  /// A store call is being queued for a worker (or the git pool): counted from now until
  /// its Finished.
  void Queued();

  /// The call that Queued or TryRunHere counted has returned (its answer need not be
  /// written yet).
  void Finished() { in_flight_.fetch_sub(1, std::memory_order_acq_rel); }

  /// Calls Finished when it goes out of scope: for a queued job with several ways out.
  class FinishedAtScopeEnd {
   public:
    explicit FinishedAtScopeEnd(StoreCallPlacement& placement) : placement_(placement) {}
    ~FinishedAtScopeEnd() { placement_.Finished(); }
    FinishedAtScopeEnd(const FinishedAtScopeEnd&) = delete;
    FinishedAtScopeEnd& operator=(const FinishedAtScopeEnd&) = delete;

   private:
    StoreCallPlacement& placement_;
  };

  /// Store calls run so far on a network thread and queued for the pools, for /metrics.
  std::uint64_t ran_here() const { return ran_here_.load(std::memory_order_relaxed); }
  std::uint64_t queued() const { return queued_.load(std::memory_order_relaxed); }

  /// Both counts in Prometheus text format.
  std::string MetricsText() const;

 private:
  const bool here_when_idle_;
  std::atomic<std::size_t> in_flight_{0};  // queued or running, wherever
  std::atomic<std::uint64_t> ran_here_{0};
  std::atomic<std::uint64_t> queued_{0};
};

}  // namespace libsync::web
