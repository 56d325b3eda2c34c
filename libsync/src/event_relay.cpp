#include "libsync/event_relay.hpp"

#include <algorithm>
#include <vector>

namespace libsync {

void EventRelay::Publish(std::span<const Event> events) noexcept {
  // The NOTIFY of our own commit can reach OnRemoteEvent before this call does, and the
  // relay then publishes the event from the log: an event whose seq is already published
  // is not published a second time. (Rare, so only then are the others copied.)
  std::vector<Event> unpublished;
  bool filtered = false;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto& seen = published_[events[i].project_id];
      const bool fresh = events[i].seq > seen;
      seen = std::max(seen, events[i].seq);
      if (!fresh && !filtered) {
        filtered = true;
        unpublished.assign(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (fresh && filtered) {
        unpublished.push_back(events[i]);
      }
    }
  }
  if (!filtered) return next_.Publish(events);
  if (!unpublished.empty()) next_.Publish(unpublished);
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
