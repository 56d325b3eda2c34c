#include "libsync/http/event_hub.hpp"

#include <vector>

namespace libsync::web {

std::unique_ptr<EventHub::Subscription> EventHub::Subscribe(const std::string& project_id, Deliver deliver) {
  MutexLock lock(mutex_);
  const std::uint64_t id = next_id_++;
  by_project_[project_id].emplace(id, std::make_shared<Deliver>(std::move(deliver)));
  return std::make_unique<Subscription>(*this, project_id, id);
}

void EventHub::Unsubscribe(const std::string& project_id, std::uint64_t id) {
  MutexLock lock(mutex_);
  auto it = by_project_.find(project_id);
  if (it == by_project_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) by_project_.erase(it);
}

void EventHub::Publish(std::span<const Event> events) noexcept {
  for (const Event& event : events) {
    // Copy the callbacks under the lock, call them outside it (Beast's chat-multi pattern).
    std::vector<std::shared_ptr<Deliver>> targets;
    {
      MutexLock lock(mutex_);
      auto it = by_project_.find(event.project_id);
      if (it == by_project_.end()) continue;
      for (const auto& [id, deliver] : it->second) targets.push_back(deliver);
    }
    for (const auto& deliver : targets) {
      try {
        (*deliver)(event);
      } catch (...) {
        // Out of memory queueing for one subscriber: it misses this event and will see a
        // gap in seqs; the others and the committed change are unaffected.
      }
    }
  }
}

std::size_t EventHub::subscribers() const {
  MutexLock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [project, subs] : by_project_) n += subs.size();
  return n;
}

}  // namespace libsync::web
