// The git sync routes: POST /api/projects/:id/docs/sync (import) and the two pushes
// (export): GitSyncService. Their table entries are kGitSync: served only with a
// GitSyncService, on the server's git pool.

#include "../json_body.hpp"
#include "handlers.hpp"

namespace libsync::web {
namespace {

Response Push(RouteCall& call, std::optional<std::string> file) {
  ExportRequest request{std::move(file), LockToken(call.request)};
  return Reply(call.git->Export(call.by(), call.id, request),
               [](ExportReport r) { return JsonResponse(200, ExportJson(r)); });
}

}  // namespace

Response ImportDocs(RouteCall& call) {
  ImportRequest request;
  if (!call.request.body.empty()) {
    auto body = JsonBody::Parse(call.request.body, {"path", "recursive"});
    if (!body) return ErrorResponse(body.error());
    auto path = body->OptionalString("path");
    auto recursive = body->OptionalBool("recursive");
    if (!path) return ErrorResponse(path.error());
    if (!recursive) return ErrorResponse(recursive.error());
    request.path = *path;
    request.recursive = recursive->value_or(true);
  }
  request.lock_token = LockToken(call.request);
  return Reply(call.git->Import(call.by(), call.id, request),
               [](ImportReport r) { return JsonResponse(200, ImportJson(r)); });
}

Response PushProject(RouteCall& call) { return Push(call, std::nullopt); }

Response PushDoc(RouteCall& call) { return Push(call, call.file); }

}  // namespace libsync::web
