#pragma once
// ManualClock: a Clock that moves only when told to, for tests of TTLs and expiry.

#include <atomic>

#include "libsync/ports/clock.hpp"

namespace libsync {

/// A clock that moves only when told to, so expiry can be tested without sleeping.
/// Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start = Timestamp(std::chrono::milliseconds(1767225600000)))
      : now_(start) {}  // 2026-01-01T00:00:00.000Z

  Timestamp Now() override { return now_.load(); }
  void Set(Timestamp t) { now_.store(t); }
  void Advance(Duration d) { Set(Now() + d); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace libsync
