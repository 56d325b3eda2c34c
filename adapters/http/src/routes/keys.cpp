// /api/projects/:id/api-keys and /api/projects/api-keys/:keyId: KeyService.

#include "../json_body.hpp"
#include "handlers.hpp"

namespace libsync::web {

Response ListKeys(RouteCall& call) {
  return Reply(call.sync.keys().List(call.by(), call.id), [](std::vector<ApiKey> keys) {
    boost::json::array out;
    for (const auto& k : keys) out.push_back(ApiKeyJson(k));
    return JsonResponse(200, out);
  });
}

Response CreateKey(RouteCall& call) {
  auto body = JsonBody::Parse(call.request.body, {"name", "scope"});
  if (!body) return ErrorResponse(body.error());
  auto name = body->RequiredString("name");
  if (!name) return ErrorResponse(name.error());
  auto scope_text = body->OptionalString("scope");
  if (!scope_text) return ErrorResponse(scope_text.error());
  KeyScope scope = KeyScope::kRead;
  if (*scope_text && !ParseScope(**scope_text, &scope)) {
    return ErrorResponse(Status::InvalidArgument("field 'scope' must be \"read\" or \"write\""));
  }
  return Reply(call.sync.keys().Create(call.by(), call.id, *name, scope), [](CreatedApiKey created) {
    boost::json::object o = ApiKeyJson(created.key);
    o["key"] = created.plain_key;  // shown once
    return JsonResponse(201, o);
  });
}

Response RevokeKey(RouteCall& call) {
  Status st = call.sync.keys().Revoke(call.by(), call.id);
  if (!st.ok()) return ErrorResponse(st);
  return JsonResponse(200, boost::json::object{{"id", call.id}, {"isActive", false}});
}

}  // namespace libsync::web
