#pragma once
// Building responses: JSON bodies, the error body of docs/http.md, and how each model value
// is shown to clients (never a token, key hash or sealed secret).

#include <boost/json.hpp>

#include "libsync/git_sync_service.hpp"
#include "libsync/http/api.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::web {

Response JsonResponse(int status, const boost::json::value& body);
/// A response whose JSON text was written by the caller.
Response JsonResponse(int status, std::string body);

/// Every 503 carries `Retry-After: 1`: the store is out of reach (a database restart or
/// fail-over takes seconds) or the server is at a cap it sheds from (idle connections,
/// streams); either way a second is soon enough to try again and long enough that a team's
/// hooks do not hammer a recovering database.
inline constexpr const char* kRetryAfterSeconds = "1";

/// {"statusCode": N, "error": "<reason phrase>", "message": "...", "code": "<ErrorCode>"}
/// plus the Status's details as fields (e.g. lockedBy for 409). A 503 has Retry-After.
/// A 500, and a 5xx whose message is a store's or libgit2's own (the Status has an origin),
/// answers a generic message ("database unavailable; retry shortly"); the detail goes to
/// stderr, one line per response.
Response ErrorResponse(const Status& status);

/// The ETag of a doc version: "v<version>".
std::string DocETag(std::int64_t version);

boost::json::object ProjectJson(const ProjectView& p);
// Docs are written as JSON text directly: their content is most of these responses, and
// Boost.JSON's serializer escapes it a byte at a time (AppendJsonString tests 64 bytes a step, then 16).
/// One doc, with its ETag.
Response DocResponse(int status, const Doc& d);
/// An array of docs.
Response DocListResponse(const std::vector<Doc>& docs);
/// The original hooks' sync answer: {"docs":[{"fileName","content","hash"}…],"hash":…}.
/// `status` is 201 for the POST the original hooks make (its answer), 200 for a GET.
Response SnapshotResponse(const DocsSnapshot& snapshot, int status = 200);
boost::json::object VersionJson(const DocVersion& v, bool with_content);
/// Without the token hash; the token itself appears only in the acquire response.
boost::json::object LockJson(const Lock& l);
/// Never the key hash; `plain_key` only at creation.
boost::json::object ApiKeyJson(const ApiKey& k);
boost::json::object ImportJson(const ImportReport& r);
boost::json::object ExportJson(const ExportReport& r);
/// {fileName, reason, commit, detectedAt, baseBlobId, baseContent, localVersion,
/// localContent, remoteBlobId, remoteContent}; absent sides and texts are null.
boost::json::object ConflictJson(const ConflictView& c);

}  // namespace libsync::web
