#pragma once
// How a benchmark stops when a side did not do the work it is timed for: a baseline (or a
// libsync call) that silently did nothing would make any ratio meaningless.

#include <string>

namespace libsync::bench {

/// Prints "<program>: FAILED: <what>" to stderr and exits with status 1.
[[noreturn]] void Fail(const std::string& what);

}  // namespace libsync::bench
