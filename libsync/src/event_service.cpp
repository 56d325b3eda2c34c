#include "libsync/event_service.hpp"

#include "access.hpp"
#include "unit_of_work.hpp"

namespace libsync {

Result<EventPage> EventService::Since(const Caller& caller, std::string_view project_id,
                                      std::int64_t after_seq) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  if (after_seq < 0) return Status::InvalidArgument("since must be a non-negative seq");
  EventPage page;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(page, tx.ReadEvents(project_id, after_seq, ctx_.options.max_event_page));
    return Status::Ok();
  }));
  if (after_seq + 1 < page.oldest_seq || after_seq > page.head_seq) {
    return Status(ErrorCode::kGone,
                  "events after seq " + std::to_string(after_seq) +
                      " are no longer retained; re-list and subscribe from the head",
                  {{"headSeq", std::to_string(page.head_seq)},
                   {"oldestSeq", std::to_string(page.oldest_seq)}});
  }
  return page;
}

Result<std::int64_t> EventService::Head(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  std::int64_t head = 0;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto page, tx.ReadEvents(project_id, 0, 0));
    head = page.head_seq;
    return Status::Ok();
  }));
  return head;
}

}  // namespace libsync
