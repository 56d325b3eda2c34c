#pragma once
// A Store decorator that fails one chosen Transaction call, to prove that a use case
// interrupted at any point leaves nothing behind (LevelDB's ErrorEnv, Beast's fail_count).

#include <atomic>
#include <cstdint>
#include <memory>

#include "libsync/ports/store.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync::testing {

/// Counts every Transaction method call across all transactions; the call with index
/// `fail_at` (0-based) returns kUnavailable instead of reaching the wrapped store.
/// A negative `fail_at` never fails. It can also fail a commit (FailNextCommit): the
/// moment a use case has done all its work and must not have published anything yet.
/// Thread-safe.
class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner, std::int64_t fail_at = -1) : inner_(inner), fail_at_(fail_at) {}

  void FailAt(std::int64_t n) {
    calls_ = 0;
    fired_ = false;
    fail_at_ = n;
  }
  /// The next write transaction runs its work to the end, and then its commit fails: the
  /// wrapped store rolls everything back and Transact reports kUnavailable, as a database
  /// does when the commit itself is lost (disk full, connection dropped).
  void FailNextCommit() {
    fired_ = false;
    fail_next_commit_ = true;
  }
  /// What the failing call returns, kUnavailable "injected failure" until set: e.g. a
  /// database's own message, to see where it ends up.
  void FailWith(Status status) {
    MutexLock lock(mutex_);
    injected_ = std::move(status);
  }
  Status Injected() const {
    MutexLock lock(mutex_);
    return injected_;
  }
  bool failed() const { return fired_; }
  std::int64_t calls() const { return calls_; }

  Status Transact(TxMode mode, const Work& work) override;
  std::string_view Kind() const noexcept override { return inner_.Kind(); }

  /// Whether this call should fail; public for the wrapping transaction.
  bool ShouldFail() {
    const bool fail = calls_++ == fail_at_;
    if (fail) fired_ = true;
    return fail;
  }

 private:
  Store& inner_;
  std::atomic<std::int64_t> calls_{0};
  std::atomic<std::int64_t> fail_at_;
  std::atomic<bool> fired_{false};
  std::atomic<bool> fail_next_commit_{false};
  mutable Mutex mutex_;
  Status injected_ LIBSYNC_GUARDED_BY(mutex_) = Status::Unavailable("injected failure", "faulty");
};

}  // namespace libsync::testing
