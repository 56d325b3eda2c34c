#include "unit_of_work.hpp"

#include <exception>
#include <new>
#include <optional>

namespace libsync::detail {
namespace {

template <class Fn>
Status Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory", "exception");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("unexpected failure: ") + e.what(), "exception");
  } catch (...) {
    return Status::Internal("unexpected failure", "exception");
  }
}

}  // namespace

void EventBatch::Begin(Transaction& tx, Timestamp now) {
  tx_ = &tx;
  now_ = now;
  inline_count_ = 0;
  spill_.clear();
}

Status EventBatch::Append(std::string_view project_id, std::string_view type, std::string_view payload) {
  auto seq = tx_->AppendEvent(project_id, type, payload, now_);
  if (!seq) return seq.error();
  if (spill_.empty() && inline_count_ == inline_.size()) {
    spill_.reserve(2 * inline_.size());
    for (Event& e : inline_) spill_.push_back(e);  // copies: inline_ keeps its buffers
  }
  Event& event = spill_.empty() ? inline_[inline_count_++] : spill_.emplace_back();
  event.project_id.assign(project_id);
  event.seq = *seq;
  event.type.assign(type);
  event.payload.assign(payload);
  event.created_at = now_;
  return Status::Ok();
}

std::span<const Event> EventBatch::events() const {
  if (!spill_.empty()) return spill_;
  return {inline_.data(), inline_count_};
}

void EventBatch::Trim() {
  constexpr std::size_t kKeptSpill = 64;
  constexpr std::size_t kKeptPayloadBytes = 4096;
  if (spill_.capacity() > kKeptSpill) std::vector<Event>().swap(spill_);
  for (Event& e : inline_) {
    if (e.payload.capacity() > kKeptPayloadBytes) std::string().swap(e.payload);
  }
}

Status RunRead(const ServiceContext& ctx, ReadWork work) {
  return Guarded([&] {
    return ctx.store.Transact(TxMode::kRead, [w = &work](Transaction& tx) { return (*w)(tx); });
  });
}

Status RunWrite(const ServiceContext& ctx, WriteWork work) { return RunWrite(ctx, ctx.clock.Now(), work); }

Status RunWrite(const ServiceContext& ctx, Timestamp now, WriteWork work) {
  // Each thread reuses one batch. A use case started from inside a sink's Publish (the
  // outer batch is still being published) gets one of its own.
  thread_local struct {
    EventBatch batch;
    bool busy = false;
  } reusable;
  std::optional<EventBatch> own;
  const bool reusing = !reusable.busy;
  EventBatch& batch = reusing ? reusable.batch : own.emplace();
  reusable.busy = true;
  struct Done {
    bool reusing;
    ~Done() {
      if (!reusing) return;
      reusable.batch.Trim();
      reusable.busy = false;
    }
  } done{reusing};

  // Only the last attempt's events survive: Begin forgets those of a rolled-back one.
  auto attempt = [&](Transaction& tx) {
    batch.Begin(tx, now);
    return work(tx, batch);
  };
  // The callback captures one pointer, which std::function stores without allocating.
  Status status = Guarded([&] {
    return ctx.store.Transact(TxMode::kWrite, [a = &attempt](Transaction& tx) { return (*a)(tx); });
  });
  if (status.ok() && !batch.events().empty()) ctx.events.Publish(batch.events());
  return status;
}

}  // namespace libsync::detail
