#include "scheduler_slice.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace libsync::web {
namespace {

// struct sched_attr as the kernel defines it (its first, 48-byte version); glibc has no
// wrapper for sched_getattr/sched_setattr.
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t policy;
  std::uint64_t flags;
  std::int32_t nice;
  std::uint32_t priority;
  std::uint64_t runtime;  // for the normal policy: the requested slice, in ns
  std::uint64_t deadline;
  std::uint64_t period;
};

}  // namespace

bool SetSchedulerSlice(std::chrono::microseconds slice) {
  SchedAttr attr{};
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return false;
  // Under real-time or deadline policies the runtime field means something else.
  if (attr.policy != SCHED_OTHER) return false;
  attr.size = sizeof attr;
  attr.runtime = static_cast<std::uint64_t>(std::chrono::nanoseconds(slice).count());
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace libsync::web
