#pragma once
// Runs one use case as one Store transaction and delivers its events after commit.

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/function_ref.hpp"
#include "libsync/service_context.hpp"

namespace libsync::detail {

/// Appends events inside the transaction and remembers them for publishing. A batch is
/// reused from one use case to the next on a thread (see RunWrite), and its events' text
/// is copied into the buffers of the previous ones, so a warm batch allocates nothing.
class EventBatch {
 public:
  EventBatch() = default;
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;

  /// Starts an attempt on `tx`, forgetting what an earlier (rolled-back) one appended.
  void Begin(Transaction& tx, Timestamp now);
  Status Append(std::string_view project_id, std::string_view type, std::string_view payload);
  std::span<const Event> events() const;
  /// Lets go of a large spill and of large payloads, so a thread does not keep a big
  /// sync's events.
  void Trim();

 private:
  Transaction* tx_ = nullptr;
  Timestamp now_{};
  // Nearly every use case appends one or two events; they live here. More spill into
  // `spill_`, which then holds them all.
  std::array<Event, 2> inline_;
  std::size_t inline_count_ = 0;
  std::vector<Event> spill_;
};

using ReadWork = FunctionRef<Status(Transaction&)>;
using WriteWork = FunctionRef<Status(Transaction&, EventBatch&)>;

/// A read-only use case. Exceptions escaping a port become kInternal.
Status RunRead(const ServiceContext& ctx, ReadWork work);

/// A writing use case: `work` may run more than once (serialization retries), so it
/// must only touch the transaction and its own locals. The events it appended reach
/// ctx.events only once the transaction has committed. Exceptions become kInternal.
Status RunWrite(const ServiceContext& ctx, WriteWork work);

/// The same, with the events stamped `now`: the time the use case already read, which
/// saves a clock read on hot paths (the lock cycle).
Status RunWrite(const ServiceContext& ctx, Timestamp now, WriteWork work);

}  // namespace libsync::detail
