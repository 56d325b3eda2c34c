#pragma once
// Fans committed events out to live subscribers (the server's SSE and WebSocket streams).
// The core publishes into it as its EventSink.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "libsync/ports/event_sink.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync::web {

/// Thread-safe. Deliver callbacks run on the publishing thread, outside the hub's lock;
/// they must only queue the event (a subscriber that falls behind drops itself).
class EventHub final : public EventSink {
 public:
  using Deliver = std::function<void(const Event&)>;

  /// Unsubscribes when destroyed.
  class Subscription {
   public:
    Subscription(EventHub& hub, std::string project_id, std::uint64_t id)
        : hub_(hub), project_id_(std::move(project_id)), id_(id) {}
    ~Subscription() { hub_.Unsubscribe(project_id_, id_); }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    EventHub& hub_;
    std::string project_id_;
    std::uint64_t id_;
  };

  std::unique_ptr<Subscription> Subscribe(const std::string& project_id, Deliver deliver);
  void Publish(std::span<const Event> events) noexcept override;
  std::size_t subscribers() const;

 private:
  void Unsubscribe(const std::string& project_id, std::uint64_t id);

  mutable Mutex mutex_;
  std::uint64_t next_id_ LIBSYNC_GUARDED_BY(mutex_) = 1;
  std::map<std::string, std::map<std::uint64_t, std::shared_ptr<Deliver>>> by_project_ LIBSYNC_GUARDED_BY(mutex_);
};

}  // namespace libsync::web
