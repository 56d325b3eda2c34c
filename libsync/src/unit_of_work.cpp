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

Status EventBatch::Append(std::string_view project_id, std::string_view type,
                          std::string_view payload) {
  auto event = tx_.AppendEvent(project_id, type, payload, now_);
  if (!event) return event.error();
  events_.push_back(std::move(event).value());
  return Status::Ok();
}

Status RunRead(const ServiceContext& ctx, ReadWork work) {
  return Guarded([&] {
    return ctx.store.Transact(TxMode::kRead, [w = &work](Transaction& tx) { return (*w)(tx); });
  });
}

Status RunWrite(const ServiceContext& ctx, WriteWork work) { return RunWrite(ctx, ctx.clock.Now(), work); }

Status RunWrite(const ServiceContext& ctx, Timestamp now, WriteWork work) {
  // The callback captures one pointer, which std::function stores without allocating.
  struct Attempt {
    const ServiceContext& ctx;
    Timestamp now;
    WriteWork work;
    std::vector<Event> committed;
    Status operator()(Transaction& tx) {
      EventBatch batch(tx, now);
      Status s = work(tx, batch);
      // Only the last attempt's events survive: a retried attempt was rolled back.
      if (s.ok()) committed = std::move(batch.events());
      return s;
    }
  } attempt{ctx, now, work, {}};
  Status status = Guarded([&] {
    return ctx.store.Transact(TxMode::kWrite, [a = &attempt](Transaction& tx) { return (*a)(tx); });
  });
  if (status.ok() && !attempt.committed.empty()) ctx.events.Publish(attempt.committed);
  return status;
}

}  // namespace libsync::detail
