#pragma once
// The route handlers, by resource: one file each (projects.cpp, keys.cpp, docs.cpp,
// locks.cpp, hooks.cpp, git.cpp, events.cpp, health.cpp, backup.cpp). Each decodes and validates its
// body, calls one use case and shapes the answer; route_table.cpp says which answers what.

#include <optional>
#include <string>

#include "route_call.hpp"

namespace libsync::web {

// health.cpp
Response Health(RouteCall& call);
/// 200 when a read through the store succeeds, 503 with the reason otherwise.
Response Ready(RouteCall& call);
Response Session(RouteCall& call);
/// For the entries the transport serves itself (event streams, /metrics): Api::Handle
/// alone cannot, and answers 404 as for any route it does not serve.
Response ServedByTheTransport(RouteCall& call);

// projects.cpp
Response ListProjects(RouteCall& call);
Response CreateProject(RouteCall& call);
Response GetProject(RouteCall& call);
Response UpdateProject(RouteCall& call);
Response DeleteProject(RouteCall& call);

// keys.cpp
Response ListKeys(RouteCall& call);
Response CreateKey(RouteCall& call);
Response RevokeKey(RouteCall& call);

// docs.cpp
Response ListDocs(RouteCall& call);
Response GetDoc(RouteCall& call);
Response ListConflicts(RouteCall& call);
Response PutDoc(RouteCall& call);
Response DeleteDoc(RouteCall& call);
Response DocHistory(RouteCall& call);
Response DocVersionAt(RouteCall& call);
Response RevertDoc(RouteCall& call);

// locks.cpp
Response GetLock(RouteCall& call);
Response AcquireLock(RouteCall& call);
Response ReleaseLock(RouteCall& call);
Response ExtendLock(RouteCall& call);
Response VerifyLock(RouteCall& call);

// hooks.cpp: the original platform's hook routes, and who pulled what
Response HookStatus(RouteCall& call);
Response HookDocs(RouteCall& call);
Response HookSync(RouteCall& call);
Response HookSyncPost(RouteCall& call);  ///< as HookSync, answering 201 like the original
std::optional<Response> HookStatusFromCache(HookCache& cache, const Caller& caller, const std::string& project_id,
                                            std::string_view file_name);
std::optional<Response> HookDocsFromCache(HookCache& cache, const Caller& caller, const std::string& project_id,
                                          std::string_view file_name);
std::optional<Response> DocFromCache(HookCache& cache, const Caller& caller, const std::string& project_id,
                                     std::string_view file_name);
Response Consumers(RouteCall& call);

// backup.cpp
/// 201 {name, bytes}: a snapshot in the server's own backups directory (admin only).
Response TakeBackup(RouteCall& call);

// git.cpp
Response ImportDocs(RouteCall& call);
Response PushProject(RouteCall& call);
Response PushDoc(RouteCall& call);
Response GitWebhook(RouteCall& call);

}  // namespace libsync::web
