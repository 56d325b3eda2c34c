#pragma once
// RecordingEventSink: an EventSink that keeps every event it is given, for tests and for
// embedders that poll.

#include <string>
#include <vector>

#include "libsync/ports/event_sink.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

/// Keeps every published event, for tests and for embedders that poll. Thread-safe.
class RecordingEventSink final : public EventSink {
 public:
  void Publish(std::span<const Event> events) noexcept override {
    MutexLock lock(mutex_);
    events_.insert(events_.end(), events.begin(), events.end());
  }

  std::vector<Event> Events() const {
    MutexLock lock(mutex_);
    return events_;
  }

  /// The types of the published events, in order ("lock:acquired", ...).
  std::vector<std::string> Types() const {
    MutexLock lock(mutex_);
    std::vector<std::string> types;
    types.reserve(events_.size());
    for (const auto& e : events_) types.push_back(e.type);
    return types;
  }

  void Clear() {
    MutexLock lock(mutex_);
    events_.clear();
  }

 private:
  mutable Mutex mutex_;
  std::vector<Event> events_ LIBSYNC_GUARDED_BY(mutex_);
};

}  // namespace libsync
