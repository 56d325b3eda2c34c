#include "libsync/event_relay.hpp"

#include <algorithm>

namespace libsync {

void EventRelay::Publish(std::span<const Event> events) noexcept {
  {
    std::lock_guard lock(mutex_);
    for (const Event& e : events) {
      auto& seen = published_[e.project_id];
      seen = std::max(seen, e.seq);
    }
  }
  next_.Publish(events);
}

void EventRelay::OnRemoteEvent(const std::string& project_id, std::int64_t seq) {
  std::lock_guard lock(mutex_);
  auto it = published_.find(project_id);
  // A project this process has not published yet starts at the notified event: older
  // ones happened before anyone here could have subscribed through this relay.
  const std::int64_t after = it == published_.end() ? seq - 1 : it->second;
  if (seq <= after) return;  // ours, or already relayed
  auto page = sync_->events().Since(Caller::Admin(), project_id, after);
  if (!page || page->events.empty()) return;
  published_[project_id] = page->events.back().seq;
  next_.Publish(page->events);
}

}  // namespace libsync
