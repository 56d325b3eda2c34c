// The git sync routes: POST /api/projects/:id/docs/sync (import) and the two pushes
// (export): GitSyncService. Their table entries are kGitSync: served only with a
// GitSyncService, on the server's git pool. And the push webhook (GitWebhookService),
// which answers at once and leaves the import to the GitSyncScheduler.

#include <initializer_list>

#include "../json_body.hpp"
#include "../json_duplicate_keys.hpp"
#include "handlers.hpp"
#include "libsync/validation.hpp"

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
  // Two "ref" fields name two branches; which one counts would be the parser's choice.
  if (auto key = FindDuplicateKey(body)) {
    return Status::InvalidArgument("a push webhook's body has the field '" + *key + "' more than once");
  }
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) {
    // GitHub's default content type sends the JSON form-encoded (payload=...).
    return Status::InvalidArgument(
        "a push webhook's body must be a JSON object (set the webhook's content type to application/json)");
  }
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
  // Forgejo sends its own names beside Gitea's, and may be set to send only its own.
  const auto first_of = [&r](std::initializer_list<std::string_view> names) {
    for (const std::string_view name : names) {
      if (const std::string_view value = r.Header(name); !value.empty()) return value;
    }
    return std::string_view();
  };
  const std::string_view event = first_of({"x-github-event", "x-gitea-event", "x-forgejo-event", "x-gitlab-event"});
  const std::string_view delivery_id =
      first_of({"x-github-delivery", "x-gitea-delivery", "x-forgejo-delivery", "x-gitlab-event-uuid"});
  const std::string_view gitea_signature = first_of({"x-gitea-signature", "x-forgejo-signature"});
  const WebhookDelivery delivery{r.Header("x-hub-signature-256"), gitea_signature, r.Header("x-gitlab-token"),
                                 event, delivery_id, r.body};
  const auto pushed_ref = [](std::string_view body) { return PushedRef(body); };
  return Reply(webhooks->Receive(call.id, delivery, pushed_ref), [](WebhookAnswer a) {
    // The reason may quote the delivery's event header, whatever bytes it held.
    if (!a.import_requested) {
      return JsonResponse(200, boost::json::object{{"accepted", false}, {"reason", ValidUtf8(a.detail)}});
    }
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
