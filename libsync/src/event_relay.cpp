#include "libsync/event_relay.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace libsync {
namespace {

std::int64_t DetailNumber(const Status& status, std::string_view key, std::int64_t fallback) {
  for (const auto& [k, v] : status.details()) {
    std::int64_t n = 0;
    if (k == key && std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc()) return n;
  }
  return fallback;
}

}  // namespace

std::int64_t& EventRelay::Published(const std::string& project_id, std::int64_t first_seen) {
  auto [it, added] = published_.try_emplace(project_id, 0);
  // Without a start at the heads, older events of a project first met now happened before
  // anyone here could have subscribed through this relay.
  if (added && !started_at_heads_) it->second = first_seen - 1;
  return it->second;
}

Status EventRelay::StartAtHeads() {
  MutexLock lock(mutex_);
  const Caller admin = Caller::Admin();
  auto projects = projects_.List(admin);
  if (!projects) return projects.error();
  for (const ProjectView& project : *projects) {
    auto head = events_.Head(admin, project.id);
    if (!head) {
      if (head.error().code() == ErrorCode::kNotFound) continue;  // deleted meanwhile
      return head.error();
    }
    auto& published = published_[project.id];
    published = std::max(published, *head);
  }
  started_at_heads_ = true;
  return Status::Ok();
}

void EventRelay::PublishDeletion(const std::string& project_id, const Event* deletion) {
  if (!deleted_.insert(project_id).second) return;
  if (deletion) {
    next_.Publish({deletion, 1});
  } else {
    auto it = published_.find(project_id);
    const Event own{project_id, (it == published_.end() ? 0 : it->second) + 1, std::string(event_type::kProjectDeleted),
                    R"({"deletedBy":null})", clock_.Now()};
    next_.Publish({&own, 1});
  }
  published_.erase(project_id);
  unread_.erase(project_id);
}

bool EventRelay::RelayFromLog(const std::string& project_id, std::int64_t upto) {
  const Caller admin = Caller::Admin();
  for (;;) {
    std::int64_t& published = published_[project_id];
    if (upto >= 0 && published >= upto) return true;
    auto page = events_.Since(admin, project_id, published);
    if (!page) {
      switch (page.error().code()) {
        case ErrorCode::kNotFound:  // the project was deleted, its log with it
          PublishDeletion(project_id, nullptr);
          return true;
        case ErrorCode::kGone: {
          // Trimmed from the log before it could be relayed (a very long outage): what is
          // left is published, and subscribers that resume by seq learn of the gap.
          const std::int64_t oldest = DetailNumber(page.error(), "oldestSeq", published + 1);
          const std::int64_t head = DetailNumber(page.error(), "headSeq", published);
          const std::int64_t resume = published > head ? head : std::max(published, oldest - 1);
          if (resume == published) return false;  // no way forward: leave it to the next call
          published = resume;
          continue;
        }
        default:
          return false;
      }
    }
    std::vector<Event> events = std::move(page->events);
    if (upto >= 0) {
      events.erase(std::find_if(events.begin(), events.end(), [&](const Event& e) { return e.seq > upto; }),
                   events.end());
    }
    if (events.empty()) return true;
    published = events.back().seq;
    next_.Publish(events);
  }
}

void EventRelay::Publish(std::span<const Event> events) noexcept {
  MutexLock lock(mutex_);
  // Events [from, i) go out as they came; the rest wait while a gap is filled or a
  // repeat is skipped. (Both are rare, so the common case copies nothing.)
  std::size_t from = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.type == event_type::kProjectDeleted || deleted_.count(e.project_id) != 0) {
      // The log went with the project: no gap before it can be read any more. It goes
      // out as it is, in its place, once.
      next_.Publish(events.subspan(from, i - from));
      from = i + 1;
      if (e.type == event_type::kProjectDeleted) PublishDeletion(e.project_id, &e);
      continue;
    }
    std::int64_t& published = Published(e.project_id, e.seq);
    if (e.seq == published + 1) {
      published = e.seq;
      continue;
    }
    next_.Publish(events.subspan(from, i - from));
    from = i + 1;
    if (e.seq <= published) continue;  // relayed from the log already (its notice came first)
    // Another process committed the seqs in between, and their notices have not come
    // (or were lost): they go out first, from the log.
    if (!RelayFromLog(e.project_id, e.seq - 1)) {
      // Publishing this event now would skip the unread ones for good: subscribers dedupe
      // by seq, so a late one after it would be dropped. It is committed, so it waits in
      // the log with them and goes out after them, once a read succeeds.
      unread_.insert(e.project_id);
      continue;
    }
    if (deleted_.count(e.project_id) != 0) continue;  // deleted meanwhile: its deletion went out
    std::int64_t& now_published = Published(e.project_id, e.seq);
    if (e.seq > now_published) {
      now_published = e.seq;
      next_.Publish(events.subspan(i, 1));
    }
  }
  if (from < events.size()) next_.Publish(events.subspan(from));
}

void EventRelay::OnRemoteEvent(const std::string& project_id, std::int64_t seq) {
  MutexLock lock(mutex_);
  if (deleted_.count(project_id) != 0) return;  // a late notice of a deleted project
  if (seq <= Published(project_id, seq)) return;  // ours, or already relayed
  if (!RelayFromLog(project_id, -1)) unread_.insert(project_id);
}

bool EventRelay::CatchUp() {
  MutexLock lock(mutex_);
  // Projects created while notices were lost are new to this relay: all their events.
  projects_unlisted_ = started_at_heads_;
  for (const auto& [id, seq] : published_) unread_.insert(id);
  return RetryFailedLocked();
}

bool EventRelay::RetryFailed() {
  MutexLock lock(mutex_);
  return RetryFailedLocked();
}

bool EventRelay::RetryFailedLocked() {
  if (projects_unlisted_) {
    if (auto projects = projects_.List(Caller::Admin())) {
      projects_unlisted_ = false;
      for (const ProjectView& project : *projects) {
        if (deleted_.count(project.id) != 0) continue;
        if (published_.try_emplace(project.id, 0).second) unread_.insert(project.id);
      }
    }
  }
  // Only the projects whose read failed: a log that keeps failing must not make every
  // retry read every project's log while Publish waits for the mutex.
  const std::vector<std::string> ids(unread_.begin(), unread_.end());
  for (const std::string& id : ids) {
    if (RelayFromLog(id, -1)) unread_.erase(id);
  }
  return !projects_unlisted_ && unread_.empty();
}

}  // namespace libsync
