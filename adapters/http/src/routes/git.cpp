// The git sync routes: POST /api/projects/:id/docs/sync (import) and the two pushes
// (export): GitSyncService. Their table entries are kGitSync: served only with a
// GitSyncService, on the server's git pool. And the push webhook (GitWebhookService),
// which answers at once and leaves the import to the GitSyncScheduler.

#include "../json_body.hpp"
#include "handlers.hpp"

namespace libsync::web {
namespace {

Response Push(RouteCall& call, std::optional<std::string> file) {
  ExportRequest request{std::move(file), LockToken(call.request)};
  return Reply(call.git->Export(call.by(), call.id, request),
               [](ExportReport r) { return JsonResponse(200, ExportJson(r)); });
}

// The "ref" of a push event's JSON body ("refs/heads/main"); the core asks for it only
// once the delivery's signature has been checked.
Result<std::string> PushedRef(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return Status::InvalidArgument("a push webhook's body must be a JSON object");
  const auto* ref = parsed.as_object().if_contains("ref");
  if (!ref || !ref->is_string()) return Status::InvalidArgument("a push webhook's body has no \"ref\" string");
  return std::string(ref->as_string());
}

}  // namespace

// 202 when an import was asked for, 200 for a delivery that asks for nothing (a ping,
// another event or branch, a delivery received before); the errors as GitWebhookService
// reports them (401 for a bad signature, counted in /metrics).
Response GitWebhook(RouteCall& call) {
  GitWebhookService* webhooks = call.options.webhooks;
  if (!webhooks) return ErrorResponse(Status::NotFound("this server takes no webhooks"));
  const Request& r = call.request;
  std::string_view event = r.Header("x-github-event");
  if (event.empty()) event = r.Header("x-gitea-event");
  if (event.empty()) event = r.Header("x-gitlab-event");
  std::string_view delivery_id = r.Header("x-github-delivery");
  if (delivery_id.empty()) delivery_id = r.Header("x-gitea-delivery");
  if (delivery_id.empty()) delivery_id = r.Header("x-gitlab-event-uuid");
  std::string_view gitea_signature = r.Header("x-gitea-signature");
  if (gitea_signature.empty()) gitea_signature = r.Header("x-forgejo-signature");
  const WebhookDelivery delivery{r.Header("x-hub-signature-256"), gitea_signature, r.Header("x-gitlab-token"),
                                 event, delivery_id, r.body};
  const auto pushed_ref = [](std::string_view body) { return PushedRef(body); };
  return Reply(webhooks->Receive(call.id, delivery, pushed_ref), [](WebhookAnswer a) {
    if (!a.import_requested) return JsonResponse(200, boost::json::object{{"accepted", false}, {"reason", a.detail}});
    return JsonResponse(202, boost::json::object{{"accepted", true}, {"import", a.detail}});
  });
}

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
