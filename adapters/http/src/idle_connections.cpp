#include "idle_connections.hpp"

#include <time.h>

namespace libsync::web {

std::int64_t CoarseNow() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

void IdleConnections::Add(Member& m) {
  if (m.listed_) Remove(m);
  m.listed_ = true;
  m.since_ = CoarseNow();
  m.prev_ = tail_;
  m.next_ = nullptr;
  if (tail_) {
    tail_->next_ = &m;
  } else {
    head_ = &m;
    PublishOldest();
  }
  tail_ = &m;
}

void IdleConnections::Remove(Member& m) {
  if (!m.listed_) return;
  m.listed_ = false;
  (m.prev_ ? m.prev_->next_ : head_) = m.next_;
  (m.next_ ? m.next_->prev_ : tail_) = m.prev_;
  const bool was_head = m.prev_ == nullptr;
  m.prev_ = m.next_ = nullptr;
  if (was_head) PublishOldest();
}

bool IdleConnections::CloseOldest() {
  Member* oldest = head_;
  if (!oldest) return false;
  Remove(*oldest);
  oldest->CloseIdle();
  return true;
}

bool IdleConnections::CloseOldestFrom(std::string_view address, std::int64_t min_wait_ns) {
  const std::int64_t waiting_since = CoarseNow() - min_wait_ns;
  for (Member* m = head_; m && m->since_ <= waiting_since; m = m->next_) {
    if (m->IdleAddress() != address) continue;
    Remove(*m);
    m->CloseIdle();
    return true;
  }
  return false;
}

}  // namespace libsync::web
