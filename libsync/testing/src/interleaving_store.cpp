#include "libsync/testing/interleaving_store.hpp"

#include <utility>

namespace libsync::testing {

void InterleavingStore::AfterNext(TxMode mode, std::function<void()> step) {
  MutexLock lock(mutex_);
  mode_ = mode;
  step_ = std::move(step);
}

bool InterleavingStore::Pending() const {
  MutexLock lock(mutex_);
  return static_cast<bool>(step_);
}

Status InterleavingStore::Transact(TxMode mode, const Work& work) {
  Status status = inner_.Transact(mode, work);
  std::function<void()> step;
  {
    MutexLock lock(mutex_);
    if (step_ && mode == mode_) step = std::exchange(step_, nullptr);
  }
  if (step) step();
  return status;
}

}  // namespace libsync::testing
