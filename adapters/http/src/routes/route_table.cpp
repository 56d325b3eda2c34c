// Every route of the HTTP API (docs/http.md, docs/openapi.yaml), in the order they are tried.
// Read route_table.hpp for what the columns mean; docs/adding-a-route.md for how to add one.

#include "route_table.hpp"

#include <array>

#include "handlers.hpp"

namespace libsync::web {
namespace {

constexpr std::array kRoutes = {
    // The hook routes come first: a team's hooks call them on every git operation, and the
    // first match ends the walk.
    Route{"GET", "/api/hook/status/:id", Access::kReadKey, HookStatus, kKeysFromHookCache, HookStatusFromCache},
    Route{"GET", "/api/hook/docs/:id", Access::kReadKey, HookDocs, kKeysFromHookCache, HookDocsFromCache},
    Route{"GET", "/api/hook/sync/:id", Access::kReadKey, HookSync, kKeysFromHookCache | kReadIsRecorded},
    Route{"POST", "/api/hook/sync/:id", Access::kReadKey, HookSyncPost, kKeysFromHookCache},

    // Docs. A doc's sub-routes come before the doc itself: `…/docs/a.md/history` is a.md's
    // history, and for any other method a 405 (the doc named "a.md/history" is
    // `…/docs/a.md%2Fhistory`, route_match.cpp).
    Route{"GET", "/api/projects/:id/docs", Access::kReadKey, ListDocs},
    Route{"POST", "/api/projects/:id/docs/sync", Access::kWriteKey, ImportDocs, kGitSync},
    Route{"GET", "/api/projects/:id/docs/:fileName/history", Access::kReadKey, DocHistory},
    Route{"GET", "/api/projects/:id/docs/:fileName/versions/:n", Access::kReadKey, DocVersionAt},
    Route{"POST", "/api/projects/:id/docs/:fileName/revert", Access::kWriteKey, RevertDoc},
    Route{"POST", "/api/projects/:id/docs/:fileName/push", Access::kWriteKey, PushDoc, kGitSync},
    Route{"GET", "/api/projects/:id/docs/:fileName", Access::kReadKey, GetDoc, kKeyCheckedInTheRead, DocFromCache},
    Route{"PUT", "/api/projects/:id/docs/:fileName", Access::kWriteKey, PutDoc},
    Route{"DELETE", "/api/projects/:id/docs/:fileName", Access::kWriteKey, DeleteDoc},
    Route{"GET", "/api/projects/:id/conflicts", Access::kReadKey, ListConflicts},

    // Revoking a key: "api-keys" is a literal here, so it must be tried before the project
    // routes of the same length, whose :id would take it (DELETE …/api-keys/lock revokes "lock").
    Route{"DELETE", "/api/projects/api-keys/:keyId", Access::kAdmin, RevokeKey},

    // Locks.
    Route{"GET", "/api/projects/:id/lock", Access::kReadKey, GetLock},
    Route{"POST", "/api/projects/:id/lock", Access::kWriteKey, AcquireLock},
    Route{"DELETE", "/api/projects/:id/lock", Access::kWriteKey, ReleaseLock},
    Route{"POST", "/api/projects/:id/lock/extend", Access::kWriteKey, ExtendLock},
    Route{"GET", "/api/projects/:id/lock/verify", Access::kReadKey, VerifyLock},

    Route{"GET", "/api/health", Access::kAnyone, Health},
    Route{"GET", "/api/ready", Access::kAnyone, Ready},
    Route{"GET", "/api/session", Access::kReadKey, Session},

    // Projects and their keys. A key sees its own project in the list and by id.
    Route{"GET", "/api/projects", Access::kReadKey, ListProjects},
    Route{"POST", "/api/projects", Access::kAdmin, CreateProject},
    Route{"GET", "/api/projects/:id", Access::kReadKey, GetProject},
    Route{"PUT", "/api/projects/:id", Access::kAdmin, UpdateProject},
    Route{"DELETE", "/api/projects/:id", Access::kAdmin, DeleteProject},
    Route{"GET", "/api/projects/:id/api-keys", Access::kAdmin, ListKeys},
    Route{"POST", "/api/projects/:id/api-keys", Access::kAdmin, CreateKey},
    Route{"GET", "/api/projects/:id/consumers", Access::kAdmin, Consumers},

    // Git export of the whole project (the doc's own push and the import are with the docs).
    Route{"POST", "/api/projects/:id/push", Access::kWriteKey, PushProject, kGitSync},
    // Pushes announced by the repository's host, signed with the project's webhook secret.
    Route{"POST", "/api/projects/:id/git/webhook", Access::kAnyone, GitWebhook, kWebhook},

    // The server snapshots its own database into its data directory (`aitk-server backup`).
    Route{"POST", "/api/admin/backup", Access::kAdmin, TakeBackup},

    // Served by the transport: event streams (SSE on the first, WebSocket on either) and metrics.
    Route{"GET", "/api/projects/:id/events", Access::kReadKey, ServedByTheTransport, kEventStream},
    Route{"GET", "/api/events", Access::kReadKey, ServedByTheTransport, kEventStream},
    Route{"GET", "/metrics", Access::kAdmin, ServedByTheTransport, kTransportOnly},
};

}  // namespace

std::span<const Route> RouteTable() { return kRoutes; }

}  // namespace libsync::web
