#include "libsync/lock_end_tap.hpp"

#include <algorithm>

#include "libsync/git_sync_scheduler.hpp"

namespace libsync {
namespace {

bool EndsALock(const Event& e) {
  return e.type == event_type::kLockReleased || e.type == event_type::kLockExpired;
}

bool ConcernsTheScheduler(const Event& e) { return EndsALock(e) || e.type == event_type::kProjectDeleted; }

}  // namespace

void LockEndTap::Publish(std::span<const Event> events) noexcept {
  next_.Publish(events);
  // Most events are doc writes and lock cycles' acquisitions: they cost a scan, no lock.
  if (std::none_of(events.begin(), events.end(), ConcernsTheScheduler)) return;
  ReaderLock lock(mutex_);
  if (scheduler_ == nullptr) return;
  for (const Event& e : events) {
    if (EndsALock(e)) {
      scheduler_->OnLockEnded(e.project_id);
    } else if (e.type == event_type::kProjectDeleted) {
      scheduler_->Forget(e.project_id);
    }
  }
}

void LockEndTap::Attach(GitSyncScheduler& scheduler) {
  WriterLock lock(mutex_);
  scheduler_ = &scheduler;
}

void LockEndTap::Detach(const GitSyncScheduler& scheduler) {
  WriterLock lock(mutex_);
  if (scheduler_ == &scheduler) scheduler_ = nullptr;
}

}  // namespace libsync
