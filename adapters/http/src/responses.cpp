#include "responses.hpp"

#include <charconv>
#include <cstdio>
#include <optional>
#include <string_view>

#include "libsync/internal/json_escape.hpp"
#include "libsync/internal/timestamp_writer.hpp"
#include "libsync/validation.hpp"
#include "response_text.hpp"

namespace libsync::web {
namespace {

constexpr const char* kJsonType = "application/json; charset=utf-8";

boost::json::value OptionalTime(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return boost::json::value(FormatTimestamp(*t));
}

boost::json::array Strings(const std::vector<std::string>& values) {
  boost::json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

// Whether `origin` names a libgit2 error code ("git2/-3", MapGitError), whose message
// carries libgit2's own text, rather than a failure the git adapter words itself from the
// project's settings (a time-out, a shutdown: "git2/idle-timeout", "git2/cancelled").
bool IsLibgit2Code(std::string_view origin) {
  constexpr std::string_view kGit = "git2/";
  if (!origin.starts_with(kGit) || origin.size() == kGit.size()) return false;
  const char c = origin[kGit.size()];
  return c == '-' || (c >= '0' && c <= '9');
}

// The message a client gets instead of a server-side failure's own, or none when the
// message is the server's to give. A 5xx that came from below a port (its Status names an
// origin) carries what the store or libgit2 said: a PostgreSQL host and port, a file
// path, a user name. That is for the operator, not for whoever sent the request, who may
// not even have authenticated (an API key is looked up in the store). The server's own
// 503s (its caps, "a git sync is already running") have no origin and keep their words.
std::optional<std::string> WithheldMessage(const Status& status, int code) {
  if (code == 500) return "internal error";
  if (code < 500 || status.origin().empty()) return std::nullopt;
  if (status.origin().starts_with("git2/")) {
    if (!IsLibgit2Code(status.origin())) return std::nullopt;
    return "the git remote could not be reached; retry later";
  }
  return code == 503 ? "database unavailable; retry shortly" : "database error";
}

// One line per withheld message, on stderr beside the access log.
void LogWithheld(const Status& status, int code) {
  const std::string line = "error: " + std::to_string(code) + " answered without its detail: " + status.ToString() + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// A detail as the body carries it: the counters a client compares (a doc's version, the
// event log's head) as numbers, as every other version and seq in the API is; the rest
// (names, commits, ids) as text.
boost::json::value DetailJson(std::string_view key, const std::string& value) {
  if (key == "overtaken") return value == "true";  // a sync overtaken by another (run it again)
  if (key == "currentVersion" || key == "headSeq" || key == "oldestSeq") {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error == std::errc() && end == value.data() + value.size()) return number;
  }
  return boost::json::value(ValidUtf8(value));
}

}  // namespace

Response JsonResponse(int status, const boost::json::value& body) {
  return JsonResponse(status, boost::json::serialize(body));
}

Response JsonResponse(int status, std::string body) {
  return Response{status, {{"content-type", kJsonType}}, std::move(body)};
}

Response ErrorResponse(const Status& status) {
  const int code = status.http_status();
  boost::json::object body;
  body["statusCode"] = code;
  body["error"] = ReasonPhrase(code);
  // Internals stay in the log (WithheldMessage).
  if (auto withheld = WithheldMessage(status, code)) {
    LogWithheld(status, code);
    body["message"] = std::move(*withheld);
  } else {
    // A message may quote what the request held (a project id, a parameter's name): in
    // UTF-8 only, as all JSON is, whatever bytes the client sent.
    body["message"] = ValidUtf8(status.message());
  }
  body["code"] = ErrorCodeName(status.code());
  for (const auto& [key, value] : status.details()) body[key] = DetailJson(key, value);
  Response response = JsonResponse(code, body);
  if (code == 503) response.headers.emplace_back("retry-after", kRetryAfterSeconds);
  return response;
}

std::string DocETag(std::int64_t version) { return "\"v" + std::to_string(version) + "\""; }

namespace {

boost::json::value OutcomeJson(const SyncOutcome& o) {
  if (!o.at) return nullptr;
  return boost::json::object{{"at", FormatTimestamp(*o.at)},
                             {"commit", o.commit.empty() ? boost::json::value(nullptr) : boost::json::value(o.commit)},
                             {"result", o.result}};
}

}  // namespace

boost::json::object ProjectJson(const ProjectView& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"repoUrl", p.repo_url},
          {"hasToken", p.has_token},
          {"hasWebhookSecret", p.has_webhook_secret},
          {"syncIntervalSeconds", p.sync_interval_seconds},
          {"branch", p.branch},
          {"docsPath", p.docs_path},
          {"createdAt", FormatTimestamp(p.created_at)},
          {"updatedAt", FormatTimestamp(p.updated_at)},
          {"lastSyncedCommit", p.last_synced_commit.empty() ? boost::json::value(nullptr)
                                                            : boost::json::value(p.last_synced_commit)},
          {"syncedAt", OptionalTime(p.synced_at)},
          {"sync", boost::json::object{{"lastImport", OutcomeJson(p.last_import)},
                                       {"lastExport", OutcomeJson(p.last_export)},
                                       {"lastError", p.last_sync_error_at
                                                         ? boost::json::value(boost::json::object{
                                                               {"at", FormatTimestamp(*p.last_sync_error_at)},
                                                               {"message", p.last_sync_error}})
                                                         : boost::json::value(nullptr)},
                                       {"nextPollAt", OptionalTime(p.next_poll_at)}}}};
}

namespace {

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  AppendJsonString(out, value);
}

void AppendTimestampField(std::string& out, std::string_view name, Timestamp value) {
  out += name;
  out += '"';
  AppendTimestamp(out, value);
  out += '"';
}

// The fields and order DocJson had as a Boost.JSON object.
void AppendDocJson(std::string& out, const Doc& d) {
  AppendField(out, "{\"id\":", d.id);
  AppendField(out, ",\"projectId\":", d.project_id);
  AppendField(out, ",\"fileName\":", d.file_name);
  AppendField(out, ",\"content\":", d.content);
  AppendField(out, ",\"hash\":", d.hash);
  out += ",\"version\":";
  out += std::to_string(d.version);
  AppendTimestampField(out, ",\"createdAt\":", d.created_at);
  AppendTimestampField(out, ",\"updatedAt\":", d.updated_at);
  AppendField(out, ",\"updatedBy\":", d.updated_by);
  out += '}';
}

}  // namespace

Response DocResponse(int status, const Doc& d) {
  std::string body;
  body.reserve(d.content.size() + 320);
  AppendDocJson(body, d);
  // Both headers at once: adding the ETag afterwards grew the vector, a second allocation.
  return Response{status, {{"content-type", kJsonType}, {"etag", DocETag(d.version)}}, std::move(body)};
}

Response DocListResponse(const std::vector<Doc>& docs) {
  std::string body = "[";
  for (const Doc& d : docs) {
    if (body.size() > 1) body += ',';
    AppendDocJson(body, d);
  }
  body += ']';
  return JsonResponse(200, std::move(body));
}

Response SnapshotResponse(const DocsSnapshot& snapshot, int status) {
  std::string body = "{\"docs\":[";
  for (std::size_t i = 0; i < snapshot.docs.size(); ++i) {
    const auto& d = snapshot.docs[i];
    AppendField(body, i == 0 ? "{\"fileName\":" : ",{\"fileName\":", d.file_name);
    AppendField(body, ",\"content\":", d.content);
    AppendField(body, ",\"hash\":", d.hash);
    body += '}';
  }
  AppendField(body, "],\"hash\":", snapshot.hash);
  body += '}';
  return JsonResponse(status, std::move(body));
}

boost::json::object VersionJson(const DocVersion& v, bool with_content) {
  boost::json::object o{{"version", v.version},
                        {"hash", v.hash},
                        {"author", v.author},
                        {"source", SourceName(v.source)},
                        {"createdAt", FormatTimestamp(v.created_at)}};
  if (with_content) {
    o["fileName"] = v.file_name;
    o["content"] = v.content;
  }
  return o;
}

boost::json::object LockJson(const Lock& l) {
  return {{"id", l.id},
          {"projectId", l.project_id},
          {"lockedBy", l.locked_by},
          {"lockedAt", FormatTimestamp(l.locked_at)},
          {"expiresAt", FormatTimestamp(l.expires_at)},
          {"reason", l.reason.empty() ? boost::json::value(nullptr) : boost::json::value(l.reason)},
          {"fence", l.fence}};
}

boost::json::object ApiKeyJson(const ApiKey& k) {
  return {{"id", k.id},
          {"projectId", k.project_id},
          {"name", k.name},
          {"scope", ScopeName(k.scope)},
          {"prefix", k.prefix},
          {"isActive", k.is_active},
          {"createdAt", FormatTimestamp(k.created_at)},
          {"lastUsedAt", OptionalTime(k.last_used_at)},
          {"lastPulledHash", k.last_pulled_hash.empty() ? boost::json::value(nullptr)
                                                        : boost::json::value(k.last_pulled_hash)},
          {"lastPulledAt", OptionalTime(k.last_pulled_at)}};
}

boost::json::object ImportJson(const ImportReport& r) {
  boost::json::array conflicts;
  for (const auto& c : r.conflicts) {
    conflicts.push_back(
        {{"fileName", c.file_name},
         {"reason", c.reason},
         {"remoteBlobId", c.remote_blob_id.empty() ? boost::json::value(nullptr) : boost::json::value(c.remote_blob_id)},
         {"remoteContent", c.remote_content ? boost::json::value(*c.remote_content) : boost::json::value(nullptr)}});
  }
  boost::json::array skipped;
  // A repository may hold any bytes in a file name; the skipped list names them as text.
  for (const auto& c : r.skipped) skipped.push_back({{"fileName", ValidUtf8(c.file_name)}, {"reason", ValidUtf8(c.reason)}});
  return {{"commit", r.commit.empty() ? boost::json::value(nullptr) : boost::json::value(r.commit)},
          {"imported", Strings(r.imported)},
          {"updated", Strings(r.updated)},
          {"unchanged", Strings(r.unchanged)},
          {"deleted", Strings(r.deleted)},
          {"conflicts", std::move(conflicts)},
          {"skipped", std::move(skipped)}};
}

boost::json::object ExportJson(const ExportReport& r) {
  return {{"commit", r.commit.empty() ? boost::json::value(nullptr) : boost::json::value(r.commit)},
          {"pushed", Strings(r.pushed)},
          {"deleted", Strings(r.deleted)},
          {"attempts", r.attempts}};
}

boost::json::object ConflictJson(const ConflictView& c) {
  const auto text = [](const std::optional<std::string>& t) {
    return t ? boost::json::value(*t) : boost::json::value(nullptr);
  };
  const auto id = [](const std::string& blob) {
    return blob.empty() ? boost::json::value(nullptr) : boost::json::value(blob);
  };
  const DocConflict& k = c.conflict;
  return {{"fileName", k.file_name},
          {"reason", k.reason},
          {"commit", id(k.commit)},
          {"detectedAt", FormatTimestamp(k.detected_at)},
          {"baseBlobId", id(k.base_blob_oid)},
          {"baseContent", text(k.base_content)},
          {"localVersion", c.local ? boost::json::value(c.local->version) : boost::json::value(nullptr)},
          {"localContent", c.local ? boost::json::value(c.local->content) : boost::json::value(nullptr)},
          {"remoteBlobId", id(k.remote_blob_oid)},
          {"remoteContent", text(k.remote_content)}};
}

}  // namespace libsync::web
