// Api::ReplayPage: one page of a subscriber's replay, for transports that pace the replay
// by their socket (the server reads the next page only when the client has taken the last).

#include "libsync/http/api.hpp"

namespace libsync::web {

Result<std::vector<Event>> Api::ReplayPage(const EventStream& stream, std::int64_t after) const {
  LIBSYNC_ASSIGN_OR_RETURN(EventPage page, sync_.events().Since(stream.caller, stream.project_id, after));
  return std::move(page.events);
}

}  // namespace libsync::web
