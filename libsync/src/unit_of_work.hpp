#pragma once
// Runs one use case as one Store transaction and delivers its events after commit.

#include <string_view>
#include <vector>

#include "function_ref.hpp"
#include "libsync/service_context.hpp"

namespace libsync::detail {

/// Appends events inside the transaction and remembers them for publishing.
class EventBatch {
 public:
  EventBatch(Transaction& tx, Timestamp now) : tx_(tx), now_(now) {}
  Status Append(std::string_view project_id, std::string_view type, std::string_view payload);
  std::vector<Event>& events() { return events_; }

 private:
  Transaction& tx_;
  Timestamp now_;
  std::vector<Event> events_;
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
