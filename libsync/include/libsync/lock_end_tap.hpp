#pragma once
// LockEndTap: an EventSink in the event path that tells a GitSyncScheduler when a
// project's lock ends, so a background import the lock refused (a push webhook, a poll)
// runs then instead of waiting for the next push. Every other event passes straight on.
//
// It sits in front of the subscribers' sink, behind the EventRelay where there is one, so
// a lock released or expired on another server sharing the database is heard as well.

#include <span>

#include "libsync/ports/event_sink.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

class GitSyncScheduler;

class LockEndTap final : public EventSink {
 public:
  /// `next` must outlive the tap.
  explicit LockEndTap(EventSink& next) : next_(next) {}

  /// Passes `events` on to `next`, then tells the attached scheduler of each lock:released,
  /// lock:expired and project:deleted among them. Thread-safe.
  void Publish(std::span<const Event> events) noexcept override;

  /// The scheduler to tell, one at a time: GitSyncScheduler attaches itself as it starts
  /// (a later one takes the place) and detaches as it stops.
  void Attach(GitSyncScheduler& scheduler);
  /// Stops telling `scheduler`, if it is still the one attached; waits for calls into it
  /// already under way.
  void Detach(const GitSyncScheduler& scheduler);

 private:
  EventSink& next_;
  SharedMutex mutex_;
  GitSyncScheduler* scheduler_ LIBSYNC_GUARDED_BY(mutex_) = nullptr;
};

}  // namespace libsync
