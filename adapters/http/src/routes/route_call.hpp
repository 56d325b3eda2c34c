#pragma once
// What a route handler is given (RouteCall) and the helpers every resource's handlers share:
// credentials, the write conditions of docs/http.md (If-Match, X-Lock-Token) and turning a
// use case's Result into a response.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "../responses.hpp"
#include "../target.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/http/api.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::web {

/// One request on its way through a handler. The router fills it from the matched entry:
/// path parameters decoded, and the caller authenticated unless the entry says otherwise.
struct RouteCall {
  SyncService& sync;
  GitSyncService* git;  ///< never null on kGitSync routes
  const ApiOptions& options;
  const Request& request;
  const Target& target;
  std::string id;           ///< `:id` or `:keyId`, decoded
  std::int64_t number = 0;  ///< `:n`
  std::string file;         ///< `:fileName`, decoded (after authentication)
  std::optional<Caller> caller;

  /// The authenticated caller; only on routes the router authenticates.
  const Caller& by() const { return *caller; }
};

/// The caller `request`'s credentials stand for: the admin bearer token (compared in
/// constant time) or an API key. Expected errors: kUnauthenticated, those of KeyService.
Result<Caller> Authenticate(SyncService& sync, const ApiOptions& options, const Request& request);

/// The request's API key when the key alone decides who calls (no admin token, which
/// Authenticate checks first); empty otherwise.
std::string_view KeyWithoutAdminToken(const Request& request);

/// A header that means one thing and came twice (credentials, preconditions, the lock
/// token, a webhook's signature, event, delivery and token), as its lower-case name; empty
/// when there is none. Such a request is refused rather than resolved, as a repeated JSON
/// key or query parameter is: a proxy or library in front of the server may have acted on
/// the other copy.
std::string_view RepeatedSingleHeader(const Request& request);

/// RepeatedSingleHeader's refusal of the request.
Status RepeatedHeaderError(std::string_view name);

/// Every failure path of a handler is a Status; this turns a Result into a response.
template <class T, class Fn>
Response Reply(Result<T> result, Fn&& to_response) {
  if (!result) return ErrorResponse(result.error());
  return to_response(std::move(result).value());
}

/// {"deleted": true} or the error.
Response DeletedOr(const Status& status);

/// The X-Lock-Token header, if sent.
std::optional<std::string> LockToken(const Request& request);

/// The write's conditions: the expected version from If-Match / If-None-Match and
/// `body_version` (baseVersion), and the caller's lock token. Expected errors:
/// kInvalidArgument (a malformed ETag, or conditions that disagree).
Result<WriteGuard> Guard(const Request& request, std::optional<std::int64_t> body_version);

}  // namespace libsync::web
