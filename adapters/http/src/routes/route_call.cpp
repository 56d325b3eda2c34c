#include "route_call.hpp"

#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "libsync/hashing.hpp"

namespace libsync::web {
namespace {

/// "v3", "\"v3\"" or W/"v3" -> 3.
Result<std::int64_t> ParseETag(std::string_view tag) {
  if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  std::int64_t version = -1;
  if (tag.size() < 2 || tag.front() != 'v' ||
      std::from_chars(tag.data() + 1, tag.data() + tag.size(), version).ptr != tag.data() + tag.size() || version < 1) {
    return Status::InvalidArgument("If-Match must be an ETag this server sent, like \"v3\"");
  }
  return version;
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case, RFC
/// 9110 §11.1), or nullopt. Another scheme is not this server's: a proxy in front that asks
/// for its own password (Basic) passes its header on with the request.
std::optional<std::string_view> BearerToken(const Request& request) {
  const std::string_view auth = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() < kBearer.size() || strncasecmp(auth.data(), kBearer.data(), kBearer.size()) != 0) return std::nullopt;
  return auth.substr(kBearer.size());
}

}  // namespace

Result<Caller> Authenticate(SyncService& sync, const ApiOptions& options, const Request& request) {
  if (const auto token = BearerToken(request)) {
    if (ConstantTimeEquals(*token, options.admin_token)) return Caller::Admin();
    return Status::Unauthenticated("invalid admin token");
  }
  if (const auto key = request.Header("x-api-key"); !key.empty()) return sync.keys().Authenticate(key);
  if (!request.Header("authorization").empty()) {
    return Status::Unauthenticated("the admin token goes as Authorization: Bearer <admin token>; a key as X-API-Key");
  }
  return Status::Unauthenticated("missing credentials: send Authorization: Bearer <admin token> or X-API-Key");
}

std::string_view KeyWithoutAdminToken(const Request& request) {
  if (BearerToken(request)) return {};
  return request.Header("x-api-key");
}

std::string_view RepeatedSingleHeader(const Request& request) {
  static constexpr std::array<std::string_view, 18> kSingle = {
      "authorization",      "x-api-key",          "x-lock-token",        "if-match",
      "if-none-match",      "last-event-id",      "x-hub-signature-256", "x-gitlab-token",
      "x-gitea-signature",  "x-forgejo-signature", "x-github-event",     "x-gitlab-event",
      "x-gitea-event",      "x-forgejo-event",    "x-github-delivery",   "x-gitea-delivery",
      "x-forgejo-delivery", "x-gitlab-event-uuid"};
  // Names are compared pairwise first (a request has a handful of headers, and most
  // pairs differ in length), so the hook routes' fast path pays a few comparisons.
  const auto& headers = request.headers;
  for (std::size_t i = 1; i < headers.size(); ++i) {
    const std::string_view name = headers[i].first;
    for (std::size_t j = 0; j < i; ++j) {
      if (headers[j].first != name) continue;
      if (std::find(kSingle.begin(), kSingle.end(), name) != kSingle.end()) return name;
      break;
    }
  }
  return {};
}

Status RepeatedHeaderError(std::string_view name) {
  return Status::InvalidArgument("the header '" + std::string(name) +
                                 "' is given more than once; send it once (a proxy in front may have read the other)");
}

Response DeletedOr(const Status& status) {
  return status.ok() ? JsonResponse(200, boost::json::object{{"deleted", true}}) : ErrorResponse(status);
}

std::optional<std::string> LockToken(const Request& request) {
  const std::string_view token = request.Header("x-lock-token");
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

Result<WriteGuard> Guard(const Request& request, std::optional<std::int64_t> body_version) {
  WriteGuard guard{body_version, LockToken(request)};
  if (const auto match = request.Header("if-match"); !match.empty()) {
    if (match == "*") {
      guard.must_exist = true;  // RFC 9110 §13.1.1: any current version will do
    } else {
      LIBSYNC_ASSIGN_OR_RETURN(std::int64_t v, ParseETag(match));
      if (guard.expected_version && *guard.expected_version != v) {
        return Status::InvalidArgument("If-Match and baseVersion disagree");
      }
      guard.expected_version = v;
    }
  }
  if (const auto none_match = request.Header("if-none-match"); !none_match.empty()) {
    // Only the star (create only) is taken: a write whose condition were dropped would
    // overwrite what its client meant to keep.
    if (none_match != "*") {
      return Status::InvalidArgument(
          "If-None-Match on a write must be * (create only); to write over one version only, send If-Match with "
          "its ETag");
    }
    if ((guard.expected_version && *guard.expected_version != 0) || guard.must_exist) {
      return Status::InvalidArgument("If-None-Match: * and If-Match or a version disagree");
    }
    guard.expected_version = 0;  // create only
  }
  return guard;
}

}  // namespace libsync::web
