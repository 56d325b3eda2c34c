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

void EventBatch::Begin(Transaction& tx) {
  tx_ = &tx;
  inline_count_ = 0;
  overflow_.clear();
}

Status EventBatch::Append(std::string_view project_id, std::string_view type, std::string payload) {
  auto seq = tx_->AppendEvent(project_id, type, payload, now_);
  if (!seq) return seq.error();
  Event event{std::string(project_id), *seq, std::string(type), std::move(payload), now_};
  if (overflow_.empty() && inline_count_ < inline_.size()) {
    inline_[inline_count_++] = std::move(event);
    return Status::Ok();
  }
  if (overflow_.empty()) {
    overflow_.reserve(2 * inline_.size());
    for (std::size_t i = 0; i < inline_count_; ++i) overflow_.push_back(std::move(inline_[i]));
  }
  overflow_.push_back(std::move(event));
  return Status::Ok();
}

std::span<const Event> EventBatch::events() const {
  if (!overflow_.empty()) return overflow_;
  return {inline_.data(), inline_count_};
}

Status RunRead(const ServiceContext& ctx, ReadWork work) {
  return Guarded([&] {
    return ctx.store.Transact(TxMode::kRead, [w = &work](Transaction& tx) { return (*w)(tx); });
  });
}

Status RunWrite(const ServiceContext& ctx, WriteWork work) { return RunWrite(ctx, ctx.clock.Now(), work); }

Status RunWrite(const ServiceContext& ctx, Timestamp now, WriteWork work) {
  // Only the last attempt's events survive: Begin forgets those of a rolled-back one.
  EventBatch batch(now);
  auto attempt = [&](Transaction& tx) {
    batch.Begin(tx);
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
