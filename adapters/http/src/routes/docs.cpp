// /api/projects/:id/docs and a doc's own routes (content, history, versions, revert):
// DocService. Git import and push of docs are in git.cpp.

#include "../json_body.hpp"
#include "handlers.hpp"

namespace libsync::web {

Response ListDocs(RouteCall& call) {
  return Reply(call.sync.docs().List(call.by(), call.id), [](std::vector<Doc> docs) { return DocListResponse(docs); });
}

Response GetDoc(RouteCall& call) {
  const auto respond = [](Doc d) { return DocResponse(200, d); };
  // kKeyCheckedInTheRead: without a caller, the router left the key to the read itself.
  if (!call.caller) {
    return Reply(call.sync.docs().GetWithKeyInOneTransaction(KeyWithoutAdminToken(call.request), call.id, call.file), respond);
  }
  return Reply(call.sync.docs().Get(call.by(), call.id, call.file), respond);
}

Response PutDoc(RouteCall& call) {
  auto body = JsonBody::Parse(call.request.body, {"content", "baseVersion"});
  if (!body) return ErrorResponse(body.error());
  auto content = body->RequiredString("content");
  if (!content) return ErrorResponse(content.error());
  auto base = body->OptionalInt("baseVersion", 0, INT64_MAX);
  if (!base) return ErrorResponse(base.error());
  auto guard = Guard(call.request, *base);
  if (!guard) return ErrorResponse(guard.error());
  return Reply(call.sync.docs().Put(call.by(), call.id, call.file, *content, *guard),
               [](DocWriteResult w) { return DocResponse(w.created ? 201 : 200, w.doc); });
}

Response DeleteDoc(RouteCall& call) {
  if (!call.request.body.empty()) return ErrorResponse(Status::InvalidArgument("DELETE takes no body"));
  auto guard = Guard(call.request, std::nullopt);
  if (!guard) return ErrorResponse(guard.error());
  return DeletedOr(call.sync.docs().Delete(call.by(), call.id, call.file, *guard));
}

Response DocHistory(RouteCall& call) {
  return Reply(call.sync.docs().History(call.by(), call.id, call.file), [](std::vector<DocVersion> versions) {
    boost::json::array out;
    for (const auto& v : versions) out.push_back(VersionJson(v, false));
    return JsonResponse(200, out);
  });
}

Response DocVersionAt(RouteCall& call) {
  return Reply(call.sync.docs().Version(call.by(), call.id, call.file, call.number),
               [](DocVersion v) { return JsonResponse(200, VersionJson(v, true)); });
}

Response RevertDoc(RouteCall& call) {
  auto body = JsonBody::Parse(call.request.body, {"version"});
  if (!body) return ErrorResponse(body.error());
  auto version = body->OptionalInt("version", 1, INT64_MAX);
  if (!version) return ErrorResponse(version.error());
  if (!*version) return ErrorResponse(Status::InvalidArgument("field 'version' is required"));
  auto guard = Guard(call.request, std::nullopt);
  if (!guard) return ErrorResponse(guard.error());
  return Reply(call.sync.docs().Revert(call.by(), call.id, call.file, **version, *guard),
               [](DocWriteResult w) { return DocResponse(200, w.doc); });
}

}  // namespace libsync::web
