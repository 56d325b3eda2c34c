#pragma once
// The HTTP API's routes as data: one entry per method and path template, with who may call
// it, the function that answers it, and how the transport treats it. Routing, 405 answers
// and their Allow header, metrics labels, the hook-cache fast path, the git pool and the
// event-stream hand-off all read this one table (route_table.cpp); adding a route is one
// entry there and one handler (docs/adding-a-route.md).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libsync/hook_cache.hpp"
#include "libsync/http/api.hpp"

namespace libsync::web {

struct RouteCall;

/// The least credential the route's use case accepts. The router authenticates every route
/// but kAnyone (and those the transport serves, which Api::Handle answers 404); the scope itself is checked by the core's use case (403), so this field
/// states what the core enforces, and a test holds the two together.
enum class Access : std::uint8_t {
  kAnyone,    ///< no credentials
  kReadKey,   ///< the admin token or any key of the project
  kWriteKey,  ///< the admin token or a write key of the project
  kAdmin,     ///< the admin token only
};

/// How the transport and the router treat a route (bits of Route::flags).
enum RouteFlag : unsigned {
  kNoFlags = 0,
  /// Keys are checked through ApiOptions::hook_cache when there is one (the hook routes).
  kKeysFromHookCache = 1u << 0,
  /// A git sync route: served only when the Api has a GitSyncService (404 otherwise), and
  /// run on the server's git pool, since it waits on the remote for as long as a transfer takes.
  kGitSync = 1u << 1,
  /// An event stream (SSE or WebSocket): the transport serves it with Api::OpenEventStream;
  /// Api::Handle answers 404.
  kEventStream = 1u << 2,
  /// Served by the transport itself (/metrics); listed so that it has a label and a spec entry.
  kTransportOnly = 1u << 3,
  /// The handler checks an API key in the same store transaction as its read
  /// (DocService::GetWithKeyInOneTransaction) instead of authenticating first: one transaction instead of
  /// two on the doc GET, 86,000 -> 77,000 instructions per request (docs/performance.md).
  /// The router does not authenticate it; the handler does when there is no key. With
  /// ApiOptions::hook_cache the handler checks the key and reads the doc through the cache.
  kKeyCheckedInTheRead = 1u << 4,
  /// A push webhook: the delivery's signature is its credential, checked by the core
  /// against the project's webhook secret; served only when ApiOptions::webhooks is set
  /// (404 otherwise). The answer comes at once; the import runs on the scheduler's threads.
  kWebhook = 1u << 5,
  /// A GET that records the read (the hook sync records the key's pull): HEAD, which sends
  /// nothing, is refused there (405) rather than recorded as a pull.
  kReadIsRecorded = 1u << 6,
};

/// Answers a request. `call` holds the decoded path parameters and, unless the route is
/// kAnyone or kKeyCheckedInTheRead, the authenticated caller.
using RouteHandler = Response (*)(RouteCall& call);

/// Answers from the hook cache alone, without blocking: nullopt when the cache lacks
/// something, and the request then goes to the route's handler on a worker. `file_name` is
/// the decoded `:fileName`, empty for a route without one.
using CachedRouteHandler = std::optional<Response> (*)(HookCache& cache, const Caller& caller,
                                                       const std::string& project_id, std::string_view file_name);

/// One method on one path template. Template segments are literals or parameters:
/// `:id` and `:keyId` (one segment, percent-decoded), `:n` (a positive integer) and
/// `:fileName` (one segment or more, joined with '/' and decoded, so `a/b.md` and
/// `a%2Fb.md` both name the same doc). At most one `:fileName` per template.
struct Route {
  std::string_view method;
  std::string_view path;
  Access access;
  RouteHandler handler;
  unsigned flags = kNoFlags;
  /// Set for the routes ApiOptions::hook_cache can answer on the network thread.
  CachedRouteHandler cached = nullptr;

  bool Has(RouteFlag flag) const { return (flags & flag) != 0; }
  /// Whether HEAD is answered here as this GET is, without the body (a load balancer's
  /// health check, `curl -I`). Not where the GET is more than a read: an event stream has
  /// no head to give without opening it, /metrics is the transport's, and a recorded read
  /// would record docs never sent.
  bool ServesHead() const {
    return method == "GET" && !Has(kEventStream) && !Has(kTransportOnly) && !Has(kReadIsRecorded);
  }
};

/// Every route, in the order they are tried: for a request, the first entry whose method
/// and path both match answers it, except that a raw path ending in a doc's sub-route
/// (`…/docs/a.md/history`) is never the doc "a.md/history" (MatchRoute): `PUT` there is a
/// 405, and that doc is `…/docs/a.md%2Fhistory` (one encoded segment) for every method.
std::span<const Route> RouteTable();

}  // namespace libsync::web

namespace libsync::web {

/// Every entry with a `cached` answer starts with one of these, and every kEventStream
/// entry's path ends with kEventStreamSuffix (a test walks the table for both): the network
/// thread rules out every other request with string comparisons before it looks at the table.
inline constexpr std::array<std::string_view, 2> kCachedRoutePrefixes = {"/api/hook/", "/api/projects/"};
inline constexpr std::string_view kEventStreamSuffix = "/events";

}  // namespace libsync::web
