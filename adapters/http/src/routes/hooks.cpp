// /api/hook/{status,docs,sync}/:id, the original platform's hook routes in their original
// shapes, and /api/projects/:id/consumers (who pulled what): HookService, or the HookCache
// in front of it when ApiOptions::hook_cache is set.

#include "handlers.hpp"

namespace libsync::web {
namespace {

using boost::json::object;
using boost::json::value;

// {"locked":false} or the holder, and {"hash","docsCount"}.
Response LockStateResponse(std::optional<Lock> lock) {
  if (!lock) return JsonResponse(200, object{{"locked", false}});
  return JsonResponse(200, object{{"locked", true},
                                  {"lockedBy", lock->locked_by},
                                  {"lockedAt", FormatTimestamp(lock->locked_at)},
                                  {"expiresAt", FormatTimestamp(lock->expires_at)},
                                  {"reason", lock->reason.empty() ? value(nullptr) : value(lock->reason)}});
}

Response DocsHashResponse(DocsState state) {
  return JsonResponse(200, object{{"hash", state.hash}, {"docsCount", state.count}});
}

}  // namespace

Response HookStatus(RouteCall& call) {
  HookCache* cache = call.options.hook_cache;
  auto state = cache ? cache->LockState(call.by(), call.id) : call.sync.hooks().LockState(call.by(), call.id);
  return Reply(std::move(state), LockStateResponse);
}

Response HookDocs(RouteCall& call) {
  HookCache* cache = call.options.hook_cache;
  auto docs = cache ? cache->DocsHash(call.by(), call.id) : call.sync.hooks().DocsHash(call.by(), call.id);
  return Reply(std::move(docs), DocsHashResponse);
}

Response HookSync(RouteCall& call) {
  return Reply(call.sync.hooks().Pull(call.by(), call.id),
               [](DocsSnapshot snapshot) { return SnapshotResponse(snapshot); });
}

// The original platform answered its hooks' POST with 201 (Nest's default for POST), and
// scripts written against it may check for exactly that.
Response HookSyncPost(RouteCall& call) {
  return Reply(call.sync.hooks().Pull(call.by(), call.id),
               [](DocsSnapshot snapshot) { return SnapshotResponse(snapshot, 201); });
}

std::optional<Response> HookStatusFromCache(HookCache& cache, const Caller& caller, const std::string& project_id,
                                            std::string_view) {
  auto state = cache.PeekLockState(caller, project_id);
  if (!state) return std::nullopt;
  return Reply(std::move(*state), LockStateResponse);
}

std::optional<Response> HookDocsFromCache(HookCache& cache, const Caller& caller, const std::string& project_id,
                                          std::string_view) {
  auto docs = cache.PeekDocsHash(caller, project_id);
  if (!docs) return std::nullopt;
  return Reply(std::move(*docs), DocsHashResponse);
}

Response Consumers(RouteCall& call) {
  return Reply(call.sync.hooks().Consumers(call.by(), call.id), [](std::vector<Consumer> consumers) {
    boost::json::array out;
    for (const auto& c : consumers) {
      object o = ApiKeyJson(c.key);
      o["current"] = c.current;
      out.push_back(std::move(o));
    }
    return JsonResponse(200, out);
  });
}

}  // namespace libsync::web
