// Api: a request's way to its handler. The route table (routes/route_table.cpp) says which
// entry answers it; this file decodes the entry's path parameters, authenticates as the
// entry asks, and answers 404 or 405 (with Allow) when no entry matches.

#include "libsync/http/api.hpp"

#include <algorithm>
#include <charconv>

#include "libsync/http/web_app.hpp"

#include "routes/handlers.hpp"
#include "routes/route_match.hpp"

namespace libsync::web {

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

namespace {

Response MethodNotAllowed(std::string allow, bool doc_sub_resource) {
  std::string message = "use " + allow;
  if (doc_sub_resource) {
    message += " (the path names a sub-resource of a doc; a doc whose name ends so is addressed with the '/' "
               "before its last segment sent as %2F)";
  }
  Response r = JsonResponse(405, boost::json::object{{"statusCode", 405},
                                                     {"error", "Method Not Allowed"},
                                                     {"message", std::move(message)},
                                                     {"code", "MethodNotAllowed"}});
  r.headers.emplace_back("allow", std::move(allow));
  return r;
}

GitRoutes GitRoutesOf(const GitSyncService* git) { return git ? GitRoutes::kPresent : GitRoutes::kAbsent; }

Result<std::string> DecodeSegment(std::string_view raw) {
  auto decoded = PercentDecode(raw);
  if (!decoded) return Status::InvalidArgument("malformed percent-encoding in the path");
  return std::move(*decoded);
}

Result<std::int64_t> ParseVersionNumber(std::string_view raw) {
  std::int64_t number = 0;
  if (std::from_chars(raw.data(), raw.data() + raw.size(), number).ptr != raw.data() + raw.size() || number < 1) {
    return Status::InvalidArgument("version must be a positive integer");
  }
  return number;
}

/// Raw segments [from, to) joined with '/' and decoded, so %2F and '/' both nest.
template <class Segments>
Result<std::string> DecodeFileName(const Segments& segments, const RouteMatch& match) {
  std::string raw;
  for (std::size_t i = match.file_from; i < match.file_to; ++i) {
    if (i > match.file_from) raw += '/';
    raw += segments[i];
  }
  auto decoded = PercentDecode(raw);
  if (!decoded) return Status::InvalidArgument("malformed percent-encoding in fileName");
  return std::move(*decoded);
}

/// Authenticates as Authenticate does, with keys checked through the hook cache on the
/// routes that ask for it (kKeysFromHookCache) when there is one.
Result<Caller> AuthenticateFor(const Route& route, RouteCall& call) {
  HookCache* cache = call.options.hook_cache;
  if (cache && route.Has(kKeysFromHookCache)) {
    if (const auto key = KeyWithoutAdminToken(call.request); !key.empty()) return cache->Authenticate(key);
  }
  return Authenticate(call.sync, call.options, call.request);
}

Response Dispatch(SyncService& sync, GitSyncService* git, const ApiOptions& options, const Request& request) {
  const auto target = ParseTarget(request.target);
  if (!target) return ErrorResponse(target.error());
  // HEAD is answered as GET is where the route serves it, and the transport leaves the
  // body out.
  const bool head = request.method == "HEAD";
  const auto match = MatchRoute(head ? std::string_view("GET") : std::string_view(request.method), target->segments,
                                GitRoutesOf(git));
  if (head && match && !match->route->ServesHead()) {
    return MethodNotAllowed(AllowedMethods(target->segments, GitRoutesOf(git)), false);
  }
  if (!match) {
    std::string allow = AllowedMethods(target->segments, GitRoutesOf(git));
    if (allow.empty()) return ErrorResponse(Status::NotFound("no such route"));
    return MethodNotAllowed(std::move(allow), NamesADocSubResource(target->segments, GitRoutesOf(git)));
  }
  const Route& route = *match->route;
  RouteCall call{sync, git, options, request, *target};
  // One-segment parameters are checked before the credentials, a fileName after them.
  auto id = DecodeSegment(match->id);
  if (!id) return ErrorResponse(id.error());
  call.id = std::move(*id);
  if (match->has_number) {
    auto number = ParseVersionNumber(match->number);
    if (!number) return ErrorResponse(number.error());
    call.number = *number;
  }
  // Api::Handle does not serve these: 404, whatever the credentials, as before the table.
  if (route.Has(kEventStream) || route.Has(kTransportOnly)) return route.handler(call);
  const bool has_file = match->file_to > match->file_from;
  if (route.Has(kKeyCheckedInTheRead) && !KeyWithoutAdminToken(request).empty()) {
    // The handler reads the key with the doc; a fileName that does not decode is answered
    // below, after the credentials, as on every route.
    if (auto file = DecodeFileName(target->segments, *match)) {
      call.file = std::move(*file);
      return route.handler(call);
    }
  }
  if (route.access != Access::kAnyone) {
    auto caller = AuthenticateFor(route, call);
    if (!caller) return ErrorResponse(caller.error());
    call.caller = std::move(*caller);
  }
  if (has_file) {
    auto file = DecodeFileName(target->segments, *match);
    if (!file) return ErrorResponse(file.error());
    call.file = std::move(*file);
  }
  return route.handler(call);
}

}  // namespace

bool Api::IsAdmin(const Request& request) const {
  // A second Authorization is no admin's, whichever copy holds the token.
  if (!RepeatedSingleHeader(request).empty()) return false;
  auto caller = Authenticate(sync_, options_, request);
  return caller && caller->is_admin();
}

std::string Api::MetricsText() const {
  if (!git_sync_) return {};
  const GitSyncService::SyncCounts counts = git_sync_->counts();
  std::string out =
      "# HELP libsync_git_syncs_total Git imports and exports by how they ended.\n"
      "# TYPE libsync_git_syncs_total counter\n";
  const char* directions[] = {"import", "export"};
  const char* results[GitSyncService::kSyncResults] = {"ok", "conflicts", "failed", "waiting"};
  for (std::size_t d = 0; d < 2; ++d) {
    for (std::size_t r = 0; r < GitSyncService::kSyncResults; ++r) {
      out += std::string("libsync_git_syncs_total{direction=\"") + directions[d] + "\",result=\"" + results[r] +
             "\"} " + std::to_string(counts.syncs[d][r]) + "\n";
    }
  }
  return out;
}

bool Api::WaitsOnGitRemote(const Request& request) const {
  if (!git_sync_ || request.method != "POST") return false;
  const auto match = MatchTarget(request.method, request.target, GitRoutes::kPresent);
  return match && match->route->Has(kGitSync);
}

bool Api::IsEventStream(const Request& request) const {
  // Every other request is settled without looking at the table (kEventStreamSuffix).
  const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (request.method != "GET" || !path.ends_with(kEventStreamSuffix)) return false;
  const auto match = MatchTarget(request.method, request.target, GitRoutesOf(git_sync_));
  return match && match->route->Has(kEventStream);
}

std::optional<Response> Api::HandleCached(const Request& request) const {
  HookCache* cache = options_.hook_cache;
  // Only GETs under kCachedRoutePrefixes without a query may be answered here: every
  // other request is settled with these comparisons, before the table.
  if (!cache || request.method != "GET" || request.target.find('?') != std::string::npos ||
      std::none_of(kCachedRoutePrefixes.begin(), kCachedRoutePrefixes.end(),
                   [&](std::string_view prefix) { return request.target.starts_with(prefix); })) {
    return std::nullopt;
  }
  const std::string_view key = KeyWithoutAdminToken(request);
  if (key.empty()) return std::nullopt;
  // Any header sent twice that means one thing (a second key, an If-Match) is Handle's 400.
  if (!RepeatedSingleHeader(request).empty()) return std::nullopt;
  try {
    const auto segments = PathSegments::Split(request.target);
    if (!segments) return std::nullopt;
    const auto match = MatchRoute(request.method, segments->view(), GitRoutesOf(git_sync_));
    if (!match || !match->route->cached) return std::nullopt;
    auto id = PercentDecode(match->id);
    if (!id) return std::nullopt;
    std::string file;
    if (match->file_to > match->file_from) {
      auto decoded = DecodeFileName(segments->view(), *match);
      if (!decoded) return std::nullopt;
      file = std::move(*decoded);
    }
    auto caller = cache->PeekAuthenticate(key);
    if (!caller) return std::nullopt;
    if (!*caller) return ErrorResponse(caller->error());
    return match->route->cached(*cache, **caller, *id, file);
  } catch (const std::exception&) {
    return std::nullopt;  // Handle will answer it properly
  }
}

Response Api::Handle(const Request& request) const {
  try {
    // One comparison for an API request; the app's paths never reach the route table.
    if (options_.web_app && WebApp::Owns(request.target)) return options_.web_app->Serve(request);
    if (const std::string_view twice = RepeatedSingleHeader(request); !twice.empty()) {
      return ErrorResponse(RepeatedHeaderError(twice));
    }
    return Dispatch(sync_, git_sync_, options_, request);
  } catch (const std::exception& e) {
    return ErrorResponse(Status::Internal(e.what(), "http"));
  }
}

}  // namespace libsync::web
