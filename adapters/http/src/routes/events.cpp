// The event stream's Api side: who subscribes to what from which seq (OpenEventStream),
// and the replay from the durable log. The transport serves the stream itself (the
// kEventStream entries of the route table).

#include <charconv>

#include "../websocket_protocol.hpp"
#include "handlers.hpp"
#include "route_match.hpp"

namespace libsync::web {
namespace {

/// "/api/projects/<id>/events" carries the id percent-encoded in the path,
/// "/api/events?projectId=<id>" in the query (decoded with it).
Result<std::string> EventStreamProject(const Route& route, const RouteMatch& match, const Target& target) {
  if (route.path.find(":id") == std::string_view::npos) {
    auto id = target.query.find("projectId");
    if (id == target.query.end() || id->second.empty()) return Status::InvalidArgument("projectId is required");
    return id->second;
  }
  auto id = PercentDecode(match.id);
  if (!id) return Status::InvalidArgument("malformed percent-encoding in the path");
  return *id;
}

Result<std::int64_t> ParseSeq(std::string_view text, std::string_view what) {
  std::int64_t seq = -1;
  if (std::from_chars(text.data(), text.data() + text.size(), seq).ptr != text.data() + text.size() || seq < 0) {
    return Status::InvalidArgument(std::string(what) + " must be a non-negative event seq");
  }
  return seq;
}

}  // namespace

Result<EventStream> Api::OpenEventStream(const Request& request) const {
  auto target = ParseTarget(request.target);
  if (!target) return target.error();
  const auto match = MatchRoute("GET", target->segments, git_sync_ ? GitRoutes::kPresent : GitRoutes::kAbsent);
  if (!match || !match->route->Has(kEventStream)) return Status::NotFound("no such route");
  LIBSYNC_ASSIGN_OR_RETURN(const std::string project_id, EventStreamProject(*match->route, *match, *target));
  if (const std::string_view twice = RepeatedSingleHeader(request); !twice.empty()) return RepeatedHeaderError(twice);
  // Browsers' EventSource and WebSocket cannot send headers: a `token` query parameter
  // stands in, or, for a WebSocket, the `aitk.auth.<base64url>` subprotocol, which keeps
  // the secret out of the URL (websocket_protocol.hpp).
  Request with_credentials = request;
  std::optional<std::string> secret;
  if (auto token = target->query.find("token"); token != target->query.end()) secret = token->second;
  // The offer may come as several header lines, which mean one list (RFC 6455 §11.3.4):
  // all of them are read, so a second aitk.auth. entry on another line is seen too.
  std::string offered;
  for (const auto& [name, value] : request.headers) {
    if (name == "sec-websocket-protocol") offered.append(offered.empty() ? "" : ", ").append(value);
  }
  if (!offered.empty() && !secret) {
    LIBSYNC_ASSIGN_OR_RETURN(secret, SecretFromProtocols(offered));
  }
  if (secret) {
    // First, so that it is the one read: a browser behind a proxy that asks for its own
    // password sends that proxy's Authorization: Basic along.
    auto& headers = with_credentials.headers;
    if (secret->rfind("sk_", 0) == 0) {
      headers.emplace(headers.begin(), "x-api-key", *secret);
    } else {
      headers.emplace(headers.begin(), "authorization", "Bearer " + *secret);
    }
  }
  auto caller = Authenticate(sync_, options_, with_credentials);
  if (!caller) return caller.error();
  EventStream stream{*caller, project_id, 0};
  std::optional<std::int64_t> since;
  if (const auto last = request.Header("last-event-id"); !last.empty()) {
    LIBSYNC_ASSIGN_OR_RETURN(since, ParseSeq(last, "Last-Event-ID"));
  } else if (auto q = target->query.find("since"); q != target->query.end()) {
    LIBSYNC_ASSIGN_OR_RETURN(since, ParseSeq(q->second, "since"));
  }
  // Head checks access (before the transport subscribes) and gives the live start; a seq
  // the log no longer holds, or one past the head, fails in Replay with kGone.
  LIBSYNC_ASSIGN_OR_RETURN(const std::int64_t head, sync_.events().Head(*caller, project_id));
  stream.last_seq = since.value_or(head);
  return stream;
}

Result<std::vector<Event>> Api::Replay(const EventStream& stream) const {
  std::vector<Event> out;
  std::int64_t after = stream.last_seq;
  for (;;) {
    LIBSYNC_ASSIGN_OR_RETURN(EventPage page, sync_.events().Since(stream.caller, stream.project_id, after));
    if (page.events.empty()) return out;
    after = page.events.back().seq;
    for (auto& e : page.events) out.push_back(std::move(e));
  }
}

// One page of a subscriber's replay, for transports that pace the replay by their socket
// (the server reads the next page only when the client has taken the last).
Result<std::vector<Event>> Api::ReplayPage(const EventStream& stream, std::int64_t after) const {
  LIBSYNC_ASSIGN_OR_RETURN(EventPage page, sync_.events().Since(stream.caller, stream.project_id, after));
  return std::move(page.events);
}

}  // namespace libsync::web
