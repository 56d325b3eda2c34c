#include "connection_placement.hpp"

#include <sys/socket.h>

#include "cpu_affinity.hpp"

namespace libsync::web {
namespace {

// A thread takes its CPU's connections while it holds at most this many more than the
// least busy thread: half as many again, and a few over, so that the first connections
// of a quiet server do not already count as an imbalance.
std::size_t LocalAllowance(std::size_t least) { return least / 2 + 4; }

}  // namespace

ConnectionPlacement::ConnectionPlacement(std::vector<int> thread_cpus)
    : cpus_(std::move(thread_cpus)), open_(std::make_unique<std::atomic<std::size_t>[]>(cpus_.size())) {}

std::size_t ConnectionPlacement::LeastBusy() const {
  std::size_t least = 0;
  for (std::size_t i = 1; i < cpus_.size(); ++i) {
    if (open_[i].load(std::memory_order_relaxed) < open_[least].load(std::memory_order_relaxed)) least = i;
  }
  return least;
}

std::optional<std::size_t> ConnectionPlacement::LocalThread(int cpu) const {
  if (cpu < 0) return std::nullopt;
  const auto open = [this](std::size_t i) { return open_[i].load(std::memory_order_relaxed); };
  std::optional<std::size_t> local;
  for (std::size_t i = 0; i < cpus_.size(); ++i) {
    if (cpus_[i] == cpu && (!local || open(i) < open(*local))) local = i;
  }
  const std::size_t floor = open(LeastBusy());
  if (local && open(*local) > floor + LocalAllowance(floor)) return std::nullopt;
  return local;
}

std::size_t ConnectionPlacement::Place(int incoming_cpu) {
  const auto local = LocalThread(incoming_cpu);
  const std::size_t chosen = local ? *local : LeastBusy();
  open_[chosen].fetch_add(1, std::memory_order_relaxed);
  return chosen;
}

std::optional<std::size_t> ConnectionPlacement::Follow(std::size_t thread, int incoming_cpu) {
  if (incoming_cpu < 0 || cpus_[thread] == incoming_cpu) return std::nullopt;
  const auto local = LocalThread(incoming_cpu);
  if (!local) return std::nullopt;
  open_[*local].fetch_add(1, std::memory_order_relaxed);
  return local;
}

void ConnectionPlacement::Closed(std::size_t thread) { open_[thread].fetch_sub(1, std::memory_order_relaxed); }

std::vector<std::size_t> ConnectionPlacement::OpenPerThread() const {
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < cpus_.size(); ++i) open.push_back(open_[i].load(std::memory_order_relaxed));
  return open;
}

std::vector<int> NetworkThreadCpus(int threads, bool pin) {
  const std::vector<int> allowed = pin ? AllowedCpus() : std::vector<int>();
  std::vector<int> cpus;
  for (int i = 0; i < threads; ++i) {
    cpus.push_back(allowed.size() > 1 ? allowed[static_cast<std::size_t>(i) % allowed.size()] : -1);
  }
  return cpus;
}

int IncomingCpu(int socket) {
#ifdef SO_INCOMING_CPU
  int cpu = -1;
  socklen_t size = sizeof cpu;
  if (getsockopt(socket, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &size) == 0) return cpu;
#else
  (void)socket;
#endif
  return -1;
}

}  // namespace libsync::web
