// GET /api/health, and the answer for routes only the transport serves.

#include "handlers.hpp"

namespace libsync::web {

Response Health(RouteCall& call) {
  return JsonResponse(200, boost::json::object{{"status", "ok"},
                                               {"version", call.options.version},
                                               {"store", call.sync.context().store.Kind()}});
}

Response ServedByTheTransport(RouteCall&) { return ErrorResponse(Status::NotFound("no such route")); }

}  // namespace libsync::web
