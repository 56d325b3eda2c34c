#pragma once
// Pinning threads to CPUs (Linux), so the scheduler cannot stack the network threads on
// one CPU while another sits idle: each then holds its connections on a CPU of its own.

#include <thread>
#include <vector>

namespace libsync::web {

/// The CPUs this process may run on, in order (empty when that cannot be read).
std::vector<int> AllowedCpus();

/// Binds `thread` to `cpu`, effective before this returns. Best effort: false when the
/// system refuses.
bool PinThread(std::thread& thread, int cpu);

}  // namespace libsync::web
