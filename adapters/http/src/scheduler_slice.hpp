#pragma once
// A shorter scheduler time slice for the calling thread (Linux >= 6.12, EEVDF).

#include <chrono>

namespace libsync::web {

/// Asks the scheduler to run the calling thread in slices of `slice` (the kernel keeps it
/// within 100 us .. 100 ms). Under EEVDF a task with a short slice gets an early deadline:
/// woken by a request, it runs soon instead of waiting out the slice of whatever holds its
/// CPU (a few ms by default), and it gives the CPU back as soon. Only for threads of the
/// normal policy, whose nice value is kept. Best effort: false when the system refuses;
/// kernels before 6.12 accept it and change nothing.
bool SetSchedulerSlice(std::chrono::microseconds slice);

}  // namespace libsync::web
