// POST /api/admin/backup: the server snapshots its own store. A server that holds its
// SQLite file alone is the only process that can read it, so `aitk-server backup` asks it.

#include <boost/json.hpp>

#include "handlers.hpp"

namespace libsync::web {

// The snapshot goes where the server says (ApiOptions::take_snapshot's directory, under a
// name it picks): a request names no path, so it can neither write nor read a file of its
// choosing. The body must be empty for that reason too: a "path" sent by a client that
// expects it to be honoured is refused rather than silently ignored.
Response TakeBackup(RouteCall& call) {
  if (!call.by().is_admin()) {
    return ErrorResponse(Status::PermissionDenied("only the admin token may take a backup of the database"));
  }
  if (!call.request.body.empty()) {
    return ErrorResponse(Status::InvalidArgument(
        "POST /api/admin/backup takes no body: the server chooses where the snapshot goes"));
  }
  if (!call.options.take_snapshot) {
    return ErrorResponse(Status::InvalidArgument(
        "this server's store (" + std::string(call.sync.context().store.Kind()) +
        ") is not backed up through the server: on PostgreSQL use pg_dump and pg_restore (docs/deploy.md)"));
  }
  return Reply(call.options.take_snapshot(), [](StoreSnapshot snapshot) {
    return JsonResponse(201, boost::json::object{{"name", snapshot.name}, {"bytes", snapshot.bytes}});
  });
}

}  // namespace libsync::web
