#pragma once
// The HTTP API of docs/http.md as a plain function from request to response: no sockets here,
// so every route, status code and error body is testable without a server, and any
// transport (the Beast server, a test) can drive it. Which routes there are, who may call
// each and how a transport treats it is one table inside the adapter
// (src/routes/route_table.cpp; docs/adding-a-route.md).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libsync/git_sync_service.hpp"
#include "libsync/git_webhook_service.hpp"
#include "libsync/hook_cache.hpp"
#include "libsync/sync_service.hpp"
#include "libsync/version.hpp"

namespace libsync::web {

class WebApp;

/// A request as a transport received it.
struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path and query as received, still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string body;

  /// The first header named `name` (lower case), or empty.
  std::string_view Header(std::string_view name) const;
};

/// The answer: status, headers (names in lower case) and the body, already serialised.
struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// A snapshot of the store that the server wrote into a directory of its own choosing.
struct StoreSnapshot {
  std::string name;         ///< the file's name in that directory (no path)
  std::uint64_t bytes = 0;  ///< its size
};

/// Takes a snapshot of the store (POST /api/admin/backup). Expected errors: kLockHeld (one
/// is being taken), kRateLimited (too many wait to be collected), kUnavailable.
using SnapshotTaker = std::function<Result<StoreSnapshot>()>;

/// How an Api answers.
struct ApiOptions {
  /// The admin bearer token; compared in constant time. Must not be empty.
  std::string admin_token;
  std::string version{kVersion};
  /// When set, the hook routes (/api/hook/*) authenticate keys through it and answer lock
  /// state and docs hash from it; the doc GET is answered from the docs it keeps when it
  /// keeps them as web::RenderDocAnswer renders them. Every other route reads the store.
  /// Null: no caching.
  HookCache* hook_cache = nullptr;
  /// When set, every path outside /api/ is the web app's (WebApp::Serve): `/` and the
  /// files its manifest lists, 404 for anything else. Null: those paths are 404, as any
  /// path no route has. Must outlive the Api.
  const WebApp* web_app = nullptr;
  /// When set, POST /api/projects/:id/git/webhook takes push webhooks through it. Null:
  /// that route is 404. Must outlive the Api.
  GitWebhookService* webhooks = nullptr;
  /// When set, POST /api/admin/backup takes snapshots through it (admin token only).
  /// Empty: that route answers 400 (a store backed up with its own tools, pg_dump).
  SnapshotTaker take_snapshot;
};

/// A subscriber to a project's events, authenticated and with the seq it has seen.
struct EventStream {
  Caller caller;
  std::string project_id;
  std::int64_t last_seq = 0;  ///< events after this are sent
};

/// Answers the requests of docs/http.md. Thread-safe: every method may be called from many
/// threads at once. Handle blocks on the store and, for git sync routes, on the git remote;
/// transports call it off their network threads. HandleCached, WaitsOnGitRemote and
/// IsEventStream never block, and may run on a network thread.
class Api {
 public:
  /// `git_sync` may be null: the sync and push routes are then not served (404).
  Api(SyncService& sync, GitSyncService* git_sync, ApiOptions options)
      : sync_(sync), git_sync_(git_sync), options_(std::move(options)) {}

  /// The answer to any request: 404 for a path no route has, 405 with an `Allow` header
  /// listing the path's methods, otherwise the route's answer (a Status's error body on
  /// failure, docs/http.md). Never throws: an exception becomes a 500.
  Response Handle(const Request& request) const;
  /// The answer to a hook status, docs-hash or doc GET when ApiOptions::hook_cache holds it,
  /// without blocking: transports may call this on a network thread and fall back to
  /// Handle (on a worker) when it returns nullopt.
  std::optional<Response> HandleCached(const Request& request) const;

  /// Whether `request` is a git sync route (import, push), which waits on the remote for as
  /// long as a transfer takes: transports run these apart from store requests. Never
  /// allocates for a path of up to 32 segments.
  bool WaitsOnGitRemote(const Request& request) const;

  /// The Api's own series for /metrics, in Prometheus text format: git syncs by direction
  /// and result. Empty without a GitSyncService.
  std::string MetricsText() const;

  /// Whether the request carries the admin token (for transports' own routes, /metrics).
  /// Reads the store when the request carries a key instead.
  bool IsAdmin(const Request& request) const;

  /// Whether `request` asks for an event stream (GET /api/projects/:id/events, SSE or
  /// WebSocket, or GET /api/events?projectId=, WebSocket), which the transport serves
  /// itself with OpenEventStream and ReplayPage. One string comparison for any other path.
  bool IsEventStream(const Request& request) const;

  /// Authenticates (headers, or a `token` query parameter for browsers, which cannot set
  /// headers on EventSource) and reads where to start: Last-Event-ID, else `since`, else the
  /// head. Expected errors: kUnauthenticated, kPermissionDenied, kNotFound (no such project,
  /// or not an event stream), kInvalidArgument (no project id, a malformed seq).
  Result<EventStream> OpenEventStream(const Request& request) const;

  /// Events after `stream.last_seq`, every page of them. Expected errors: kGone.
  Result<std::vector<Event>> Replay(const EventStream& stream) const;

  /// Events after `after` in `stream`'s project, one page of them (at most
  /// ServiceOptions::max_event_page), oldest first; empty once `after` is the head. For a
  /// transport that sends a replay as fast as its client takes it, a page at a time.
  /// Expected errors: kGone (the log no longer holds what follows `after`).
  Result<std::vector<Event>> ReplayPage(const EventStream& stream, std::int64_t after) const;

 private:
  SyncService& sync_;
  GitSyncService* git_sync_;
  ApiOptions options_;
};

}  // namespace libsync::web
