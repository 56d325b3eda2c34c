#pragma once
// A Store decorator that lets a test place another actor's change between two
// transactions of one use case: the window where a concurrent writer really can act (a
// hook-cache fill between its load and its store, the reaper between listing and
// reaping, a sync between planning and applying).

#include <functional>

#include "libsync/ports/store.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync::testing {

/// Forwards every transaction to the wrapped store. After the next transaction of the
/// chosen mode has finished (committed or rolled back), and before the use case that ran
/// it goes on, runs the step once. Thread-safe.
class InterleavingStore final : public Store {
 public:
  explicit InterleavingStore(Store& inner) : inner_(inner) {}

  /// Runs `step` once, right after the next `mode` transaction ends. The step runs on
  /// that transaction's thread, outside any transaction, and may use this store itself
  /// (its own transactions do not trigger it again). Replaces a step not yet run.
  void AfterNext(TxMode mode, std::function<void()> step);
  /// Whether a step is still waiting for its transaction.
  bool Pending() const;

  Status Transact(TxMode mode, const Work& work) override;
  std::string_view Kind() const noexcept override { return inner_.Kind(); }

 private:
  Store& inner_;
  mutable Mutex mutex_;
  TxMode mode_ LIBSYNC_GUARDED_BY(mutex_) = TxMode::kRead;
  std::function<void()> step_ LIBSYNC_GUARDED_BY(mutex_);
};

}  // namespace libsync::testing
