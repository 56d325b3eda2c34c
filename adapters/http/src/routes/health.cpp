// GET /api/health (liveness), GET /api/ready (readiness), and the answer for routes only the
// transport serves.

#include <iostream>

#include "handlers.hpp"

namespace libsync::web {

// Liveness: the process answers. It never reads the store, so a database outage does not
// get a healthy server restarted by its supervisor.
Response Health(RouteCall& call) {
  return JsonResponse(200, boost::json::object{{"status", "ok"},
                                               {"version", call.options.version},
                                               {"store", call.sync.context().store.Kind()}});
}

// Readiness: one real read through the store, on a pooled connection as a request would
// use, so a load balancer or an orchestrator sends traffic only where the database
// answers. A missing project is the expected answer; any other failure is the reason.
Response Ready(RouteCall& call) {
  Store& store = call.sync.context().store;
  const Status probe = store.Transact(TxMode::kRead, [](Transaction& tx) {
    auto project = tx.GetProject("readiness-probe");
    return project || project.error().code() == ErrorCode::kNotFound ? Status::Ok() : project.error();
  });
  if (!probe.ok()) {
    // The store's own text (host names, SQLSTATE details) goes to the log; the answer says
    // what is wrong in words an operator can act on, with the code to look up.
    std::cerr << "aitk-server: not ready: " << probe.ToString() << "\n";
    std::string reason = std::string(store.Kind()) + " database does not answer";
    if (!probe.origin().empty()) reason += " (" + probe.origin() + ")";
    return ErrorResponse(Status(ErrorCode::kUnavailable, "not ready: " + reason, {{"reason", reason}}));
  }
  return JsonResponse(200, boost::json::object{{"status", "ready"}, {"store", store.Kind()}});
}

Response ServedByTheTransport(RouteCall&) { return ErrorResponse(Status::NotFound("no such route")); }

}  // namespace libsync::web
