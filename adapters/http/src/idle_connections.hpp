#pragma once
// The connections of one network thread that wait for a request (the first one, or the
// next on a kept-alive connection), oldest first, so the server can close the longest
// waiting when it nears its connection cap (ConnectionLimits::ShouldShed) instead of
// refusing new clients while idle sockets hold every place.
//
// An intrusive list: joining and leaving it on every request costs a few pointer writes,
// a coarse clock read, and no allocation or lock.

#include <atomic>
#include <cstdint>
#include <limits>
#include <string_view>

namespace libsync::web {

/// Nanoseconds of CLOCK_MONOTONIC_COARSE (a few ns to read; resolution a few ms, enough to
/// tell which connection has waited longest).
std::int64_t CoarseNow();

/// Touched only on its network thread, except oldest_since (any thread).
class IdleConnections {
 public:
  /// A connection that can wait in the list: it is closed through CloseIdle.
  class Member {
   public:
    /// Closes the connection; called on its network thread, after it left the list.
    virtual void CloseIdle() = 0;
    /// The remote address the connection counts against (its per-address cap), or empty.
    virtual std::string_view IdleAddress() const = 0;

   protected:
    virtual ~Member() = default;

   private:
    friend class IdleConnections;
    Member* prev_ = nullptr;
    Member* next_ = nullptr;
    bool listed_ = false;
    std::int64_t since_ = 0;
  };

  static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();

  /// `m` starts waiting (at the back).
  void Add(Member& m);
  /// `m` stops waiting; nothing when it was not listed.
  void Remove(Member& m);
  /// Closes the connection that has waited longest; false when none waits.
  bool CloseOldest();
  /// Closes the connection from `address` that has waited longest, if it has waited at
  /// least `min_wait_ns`; false when none has. Walks the list from its oldest: only at an
  /// address's cap (ConnectionLimits).
  bool CloseOldestFrom(std::string_view address, std::int64_t min_wait_ns);
  /// When the longest waiting connection started waiting (CoarseNow), or kNone.
  std::int64_t oldest_since() const { return oldest_.load(std::memory_order_relaxed); }

 private:
  void PublishOldest() { oldest_.store(head_ ? head_->since_ : kNone, std::memory_order_relaxed); }

  Member* head_ = nullptr;
  Member* tail_ = nullptr;
  std::atomic<std::int64_t> oldest_{kNone};
};

}  // namespace libsync::web
