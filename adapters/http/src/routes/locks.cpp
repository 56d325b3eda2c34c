// /api/projects/:id/lock and its extend and verify routes: LockService.

#include <algorithm>
#include <chrono>

#include "../json_body.hpp"
#include "handlers.hpp"

namespace libsync::web {
namespace {

using boost::json::object;
using boost::json::value;

/// The longest TTL the service grants, in seconds: the bound a request's ttlSeconds (and
/// minutes) is read against, so its 400 names the limit that holds (--lock-ttl).
std::int64_t MaxTtlSeconds(const SyncService& sync) {
  return std::chrono::duration_cast<std::chrono::seconds>(sync.context().options.max_lock_ttl).count();
}

Response Released(bool released) { return JsonResponse(200, object{{"released", released}}); }

}  // namespace

Response GetLock(RouteCall& call) {
  return Reply(call.sync.locks().Get(call.by(), call.id), [](std::optional<Lock> lock) {
    return JsonResponse(200, lock ? value(LockJson(*lock)) : value(nullptr));
  });
}

Response AcquireLock(RouteCall& call) {
  auto body = JsonBody::Parse(call.request.body, {"lockedBy", "reason", "ttlSeconds"});
  if (!body) return ErrorResponse(body.error());
  auto locked_by = body->RequiredString("lockedBy");
  auto reason = body->OptionalString("reason");
  auto ttl = body->OptionalInt("ttlSeconds", 1, MaxTtlSeconds(call.sync));
  for (const Status& st : {locked_by.status(), reason.status(), ttl.status()}) {
    if (!st.ok()) return ErrorResponse(st);
  }
  LockRequest request{*locked_by, reason->value_or(""), std::nullopt, LockToken(call.request)};
  if (*ttl) request.ttl = std::chrono::seconds(**ttl);
  return Reply(call.sync.locks().Acquire(call.by(), call.id, request), [](LockGrant g) {
    object o = LockJson(g.lock);
    o["token"] = g.token;  // the only response that ever carries it
    o["renewed"] = g.renewed;
    return JsonResponse(g.renewed ? 200 : 201, o);
  });
}

Response ReleaseLock(RouteCall& call) {
  const auto& query = call.target.query;
  const auto force = query.find("force");
  // Any other spelling (force=1, TRUE) would be a release by token, refused as another's.
  if (force != query.end() && force->second != "true" && force->second != "false") {
    return ErrorResponse(Status::InvalidArgument("force must be true or false"));
  }
  if (force != query.end() && force->second == "true") {
    const auto reason = query.find("reason");
    return Reply(call.sync.locks().ForceRelease(call.by(), call.id, reason == query.end() ? "" : reason->second),
                 Released);
  }
  return Reply(call.sync.locks().Release(call.by(), call.id, call.request.Header("x-lock-token")), Released);
}

Response ExtendLock(RouteCall& call) {
  std::optional<Duration> ttl;
  if (!call.request.body.empty()) {
    auto body = JsonBody::Parse(call.request.body, {"minutes", "ttlSeconds"});
    if (!body) return ErrorResponse(body.error());
    const std::int64_t longest = MaxTtlSeconds(call.sync);
    auto minutes = body->OptionalInt("minutes", 1, std::max<std::int64_t>(1, longest / 60));
    auto seconds = body->OptionalInt("ttlSeconds", 1, longest);
    if (!minutes) return ErrorResponse(minutes.error());
    if (!seconds) return ErrorResponse(seconds.error());
    if (*minutes && *seconds) return ErrorResponse(Status::InvalidArgument("send minutes or ttlSeconds, not both"));
    if (*minutes) ttl = std::chrono::minutes(**minutes);
    if (*seconds) ttl = std::chrono::seconds(**seconds);
  }
  return Reply(call.sync.locks().Extend(call.by(), call.id, call.request.Header("x-lock-token"), ttl),
               [](Lock l) { return JsonResponse(200, LockJson(l)); });
}

Response VerifyLock(RouteCall& call) {
  return Reply(call.sync.locks().Verify(call.by(), call.id, call.request.Header("x-lock-token")),
               [](LockOwnership o) {
                 const char* status = o == LockOwnership::kOurs ? "ours" : o == LockOwnership::kTheirs ? "theirs" : "none";
                 return JsonResponse(200, object{{"status", status}});
               });
}

}  // namespace libsync::web
