// /api/projects and /api/projects/:id: ProjectService.

#include "../json_body.hpp"
#include "handlers.hpp"

namespace libsync::web {
namespace {

Response ProjectResponse(int status, const ProjectView& p) { return JsonResponse(status, ProjectJson(p)); }

/// The project fields of a POST or PUT body, all optional here.
Result<ProjectChanges> ReadProjectFields(const Request& request) {
  LIBSYNC_ASSIGN_OR_RETURN(JsonBody body,
                           JsonBody::Parse(request.body, {"name", "repoUrl", "token", "branch", "docsPath",
                                                          "webhookSecret", "syncIntervalSeconds"}));
  ProjectChanges fields;
  LIBSYNC_ASSIGN_OR_RETURN(fields.name, body.OptionalString("name"));
  LIBSYNC_ASSIGN_OR_RETURN(fields.repo_url, body.OptionalString("repoUrl"));
  LIBSYNC_ASSIGN_OR_RETURN(fields.token, body.OptionalString("token"));
  LIBSYNC_ASSIGN_OR_RETURN(fields.branch, body.OptionalString("branch"));
  LIBSYNC_ASSIGN_OR_RETURN(fields.docs_path, body.OptionalString("docsPath"));
  LIBSYNC_ASSIGN_OR_RETURN(fields.webhook_secret, body.OptionalString("webhookSecret"));
  // Any integer here: the core names the range it takes (0, or 30 to 604800).
  LIBSYNC_ASSIGN_OR_RETURN(fields.sync_interval_seconds, body.OptionalInt("syncIntervalSeconds", INT64_MIN, INT64_MAX));
  return fields;
}

}  // namespace

// Each project with "lock" (null or the lock, without its token) and "docsCount", which the
// web app's project list shows: one request for the page instead of two per project. A
// project deleted while the list is read is left out.
Response ListProjects(RouteCall& call) {
  auto list = call.sync.projects().List(call.by());
  if (!list) return ErrorResponse(list.error());
  boost::json::array out;
  out.reserve(list->size());
  for (const auto& p : *list) {
    auto lock = call.sync.locks().Get(call.by(), p.id);
    auto docs = call.sync.docs().ListSummaries(call.by(), p.id);
    if ((!lock && lock.error().code() == ErrorCode::kNotFound) ||
        (!docs && docs.error().code() == ErrorCode::kNotFound)) {
      continue;
    }
    if (!lock) return ErrorResponse(lock.error());
    if (!docs) return ErrorResponse(docs.error());
    boost::json::object entry = ProjectJson(p);
    entry["lock"] = *lock ? boost::json::value(LockJson(**lock)) : boost::json::value(nullptr);
    entry["docsCount"] = docs->size();
    out.push_back(std::move(entry));
  }
  return JsonResponse(200, out);
}

Response CreateProject(RouteCall& call) {
  auto fields = ReadProjectFields(call.request);
  if (!fields) return ErrorResponse(fields.error());
  if (!fields->name) return ErrorResponse(Status::InvalidArgument("field 'name' is required"));
  if (!fields->repo_url) return ErrorResponse(Status::InvalidArgument("field 'repoUrl' is required"));
  const NewProject input{*fields->name, *fields->repo_url, fields->token.value_or(""), fields->branch,
                         fields->docs_path, fields->webhook_secret.value_or(""),
                         fields->sync_interval_seconds.value_or(0)};
  return Reply(call.sync.projects().Create(call.by(), input), [](ProjectView p) { return ProjectResponse(201, p); });
}

Response GetProject(RouteCall& call) {
  return Reply(call.sync.projects().Get(call.by(), call.id), [](ProjectView p) { return ProjectResponse(200, p); });
}

Response UpdateProject(RouteCall& call) {
  auto fields = ReadProjectFields(call.request);
  if (!fields) return ErrorResponse(fields.error());
  return Reply(call.sync.projects().Update(call.by(), call.id, *fields),
               [](ProjectView p) { return ProjectResponse(200, p); });
}

Response DeleteProject(RouteCall& call) {
  Status st = call.sync.projects().Delete(call.by(), call.id);
  return DeletedOr(st);
}

}  // namespace libsync::web
