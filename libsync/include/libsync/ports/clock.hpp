#pragma once
// Clock port: where time comes from, so TTLs and expiry are testable without sleeping.

#include "libsync/timestamp.hpp"

namespace libsync {

/// Implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current UTC time.
  virtual Timestamp Now() = 0;
};

/// The process's real-time clock. Lives for the whole program.
Clock& SystemClock();

}  // namespace libsync
