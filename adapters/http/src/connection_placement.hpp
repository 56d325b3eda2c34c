#pragma once
// Which network thread serves a new connection.
//
// On a pinned server each network thread owns one CPU. A connection is served best by the
// thread on the CPU that receives its packets: the kernel wakes that thread on the CPU it
// is already on, the socket's memory stays in that CPU's cache, and a client thread there
// and our thread take turns on one CPU instead of waking each other across two (on a
// loaded 2-CPU machine that alone took the hook routes' p99 from ~2 ms to under 1 ms).
// Locality yields to balance when one CPU receives most connections (a NIC with one
// queue): a thread that holds half again as many connections as the least busy one gets
// no more until the others catch up.

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace libsync::web {

class ConnectionPlacement {
 public:
  /// `thread_cpus[i]`: the CPU network thread i is pinned to, or -1 when it floats.
  explicit ConnectionPlacement(std::vector<int> thread_cpus);

  /// Picks the thread for a connection whose packets arrive on `incoming_cpu` (-1 when
  /// unknown) and counts the connection against it.
  std::size_t Place(int incoming_cpu);

  /// The thread a connection served by `thread` should move to now that its packets
  /// arrive on `incoming_cpu` (its client moved to another CPU), counted against it; none
  /// when it is where it should be, or the thread there is too far ahead.
  std::optional<std::size_t> Follow(std::size_t thread, int incoming_cpu);

  /// A connection placed on `thread` has closed (or moved away).
  void Closed(std::size_t thread);

  /// Open connections per thread, for /metrics.
  std::vector<std::size_t> OpenPerThread() const;

  std::size_t threads() const { return cpus_.size(); }
  int cpu(std::size_t thread) const { return cpus_[thread]; }

 private:
  // The least busy thread pinned to `cpu` if it holds few enough connections, else none.
  std::optional<std::size_t> LocalThread(int cpu) const;
  // The thread with the fewest open connections (the first of them on a tie).
  std::size_t LeastBusy() const;

  std::vector<int> cpus_;
  // Placed from the accepting thread, closed from each connection's own thread.
  std::unique_ptr<std::atomic<std::size_t>[]> open_;
};

/// The CPU network thread i is pinned to, for `threads` threads spread over the CPUs this
/// process may use: -1 for each when not pinning or when there is only one CPU.
std::vector<int> NetworkThreadCpus(int threads, bool pin);

/// The CPU on which the kernel received `socket`'s packets (SO_INCOMING_CPU), or -1.
int IncomingCpu(int socket);

}  // namespace libsync::web
