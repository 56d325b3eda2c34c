#include "fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

#include "libsync/http/server.hpp"

namespace libsync::web {
namespace {

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max() / 4;

std::size_t AsCount(rlim_t value) {
  if (value == RLIM_INFINITY || value > kUnlimited) return kUnlimited;
  return static_cast<std::size_t>(value);
}

}  // namespace

std::size_t OpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return kUnlimited;
  return AsCount(limit.rlim_cur);
}

std::size_t ReservedFiles(std::size_t file_limit) { return std::max<std::size_t>(64, file_limit / 8); }

std::size_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return kUnlimited;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Refused (a hard limit above the kernel's nr_open): keep the soft one.
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return AsCount(limit.rlim_cur);
}

}  // namespace libsync::web
