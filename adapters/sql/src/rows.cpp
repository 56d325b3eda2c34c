#include "rows.hpp"

#include "error_mapping.hpp"

namespace libsync::sql {
namespace {

std::string Time(const char* column) { return std::string("CAST(\"") + column + "\" AS TEXT)"; }
std::string OptionalTime(const char* column) {
  return std::string("COALESCE(CAST(\"") + column + "\" AS TEXT), '')";
}

}  // namespace

Timestamp ReadTime(const std::string& text) {
  auto t = ParseTimestamp(text);
  if (!t) throw BadRow("unreadable timestamp in database: '" + text + "'");
  return *t;
}

std::optional<Timestamp> ReadOptionalTime(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return ReadTime(text);
}

std::string WriteOptionalTime(const std::optional<Timestamp>& t) { return t ? FormatTimestamp(*t) : std::string(); }

// --- Project ------------------------------------------------------------------------

const std::string& ProjectColumns() {
  static const std::string columns = R"("id", "name", "repoUrl", "token", "branch", "docsPath", )" +
                                     Time("createdAt") + ", " + Time("updatedAt") + R"(, "lastSyncedCommit", )" +
                                     OptionalTime("syncedAt") + R"(, "webhookSecret", )" + OptionalTime("lastImportAt") +
                                     R"(, "lastImportCommit", "lastImportResult", )" + OptionalTime("lastExportAt") +
                                     R"(, "lastExportCommit", "lastExportResult", "lastSyncError", )" +
                                     OptionalTime("lastSyncErrorAt") + R"(, "syncIntervalSeconds", )" +
                                     OptionalTime("nextPollAt") + R"(, "cleanSyncMark", "repoUrlSecret")";
  return columns;
}

void ProjectRow::Bind(Query& q) {
  q.Into(id).Into(name).Into(repo_url).Into(token).Into(branch).Into(docs_path).Into(created).Into(updated)
      .Into(commit).Into(synced).Into(webhook_secret).Into(import_at).Into(import_commit).Into(import_result)
      .Into(export_at).Into(export_commit).Into(export_result).Into(sync_error).Into(sync_error_at)
      .Into(sync_interval).Into(next_poll).Into(clean_sync_mark).Into(repo_url_secret);
}

Project ProjectRow::Get() && {
  return Project{std::move(id),
                 std::move(name),
                 std::move(repo_url),
                 std::move(token),
                 std::move(branch),
                 std::move(docs_path),
                 ReadTime(created),
                 ReadTime(updated),
                 std::move(commit),
                 ReadOptionalTime(synced),
                 std::move(webhook_secret),
                 {ReadOptionalTime(import_at), std::move(import_commit), std::move(import_result)},
                 {ReadOptionalTime(export_at), std::move(export_commit), std::move(export_result)},
                 std::move(sync_error),
                 ReadOptionalTime(sync_error_at),
                 sync_interval,
                 ReadOptionalTime(next_poll),
                 std::move(clean_sync_mark),
                 std::move(repo_url_secret)};
}

// --- Doc ----------------------------------------------------------------------------

const std::string& DocColumns() {
  static const std::string columns = R"("id", "projectId", "fileName", "content", "hash", "version", )" +
                                     Time("createdAt") + ", " + Time("updatedAt") +
                                     R"(, "baseBlobOid", "updatedBy", "blobOid")";
  return columns;
}

void DocRow::Bind(Query& q) {
  q.Into(id).Into(project_id).Into(file_name).Into(content).Into(hash).Into(version).Into(created).Into(updated)
      .Into(base_blob).Into(updated_by).Into(blob);
}

Doc DocRow::Get() && {
  return Doc{std::move(id), std::move(project_id), std::move(file_name), std::move(content), std::move(hash),
             version, ReadTime(created), ReadTime(updated), std::move(base_blob), std::move(updated_by),
             std::move(blob)};
}

const std::string& DocSummaryColumns() {
  static const std::string columns =
      R"("fileName", "hash", "version", )" + Time("updatedAt") + R"(, "baseBlobOid", "blobOid")";
  return columns;
}

void DocSummaryRow::Bind(Query& q) {
  q.Into(file_name).Into(hash).Into(version).Into(updated).Into(base_blob).Into(blob);
}

DocSummary DocSummaryRow::Get() && {
  return {std::move(file_name), std::move(hash), version, ReadTime(updated), std::move(base_blob), std::move(blob)};
}

const std::string& TombstoneColumns() {
  static const std::string columns = R"("projectId", "fileName", "baseBlobOid", )" + Time("deletedAt") + R"(, "deletedBy")";
  return columns;
}

void TombstoneRow::Bind(Query& q) { q.Into(project_id).Into(file_name).Into(base_blob).Into(deleted).Into(deleted_by); }

DocTombstone TombstoneRow::Get() && {
  return {std::move(project_id), std::move(file_name), std::move(base_blob), ReadTime(deleted), std::move(deleted_by)};
}

const std::string& ConflictColumns() {
  static const std::string columns =
      R"("projectId", "fileName", "reason", "commit", "baseBlobOid", "remoteBlobOid",
         CASE WHEN "baseContent" IS NULL THEN 0 ELSE 1 END, COALESCE("baseContent", ''),
         CASE WHEN "remoteContent" IS NULL THEN 0 ELSE 1 END, COALESCE("remoteContent", ''), )" +
      Time("detectedAt");
  return columns;
}

void ConflictRow::Bind(Query& q) {
  q.Into(project_id).Into(file_name).Into(reason).Into(commit).Into(base_blob).Into(remote_blob).Into(has_base)
      .Into(base).Into(has_remote).Into(remote).Into(detected);
}

DocConflict ConflictRow::Get() && {
  DocConflict c{std::move(project_id), std::move(file_name), std::move(reason), std::move(commit),
                std::move(base_blob),  std::move(remote_blob), std::nullopt,      std::nullopt,
                ReadTime(detected)};
  if (has_base != 0) c.base_content = std::move(base);
  if (has_remote != 0) c.remote_content = std::move(remote);
  return c;
}

// --- DocVersion ---------------------------------------------------------------------

namespace {

/// DocVersion's columns in VersionRow's order, with `content` (an SQL expression) in the
/// content's place.
std::string VersionColumnsWith(std::string_view content) {
  return R"("id", "docId", "projectId", "fileName", "version", )" + std::string(content) +
         R"(, "hash", "author", "source", )" + Time("createdAt") + R"(, "blobOid")";
}

}  // namespace

const std::string& VersionColumns() {
  // A NULL text is the doc's current one (migration 11).
  static const std::string columns =
      VersionColumnsWith(R"(COALESCE("content", (SELECT "content" FROM "Doc" WHERE "Doc"."id" = "docId")))");
  return columns;
}

const std::string& VersionColumnsWithoutContent() {
  static const std::string columns = VersionColumnsWith("''");
  return columns;
}

const std::string& VersionColumnsMarkingTextInDoc() {
  static const std::string columns =
      VersionColumnsWith(R"(CASE WHEN "content" IS NULL THEN ')" + std::string(kTextInDoc) + R"(' ELSE '' END)");
  return columns;
}

void VersionRow::Bind(Query& q) {
  q.Into(id).Into(doc_id).Into(project_id).Into(file_name).Into(version).Into(content).Into(hash).Into(author)
      .Into(source).Into(created).Into(blob);
}

DocVersion VersionRow::Get() && {
  VersionSource parsed = VersionSource::kApi;
  ParseSource(source, &parsed);
  return DocVersion{std::move(id), std::move(doc_id), std::move(project_id), std::move(file_name), version,
                    std::move(content), std::move(hash), std::move(author), parsed, ReadTime(created),
                    std::move(blob)};
}

// --- Lock ---------------------------------------------------------------------------

const std::string& LockColumns() {
  static const std::string columns = R"("id", "projectId", "lockedBy", )" + Time("lockedAt") + ", " +
                                     Time("expiresAt") + R"(, COALESCE("reason", ''), "tokenHash", "fence")";
  return columns;
}

const std::string& JoinedLockColumns() {
  static const std::string columns =
      R"(COALESCE(l."id", ''), p."id", COALESCE(l."lockedBy", ''), COALESCE(CAST(l."lockedAt" AS TEXT), ''), )"
      R"(COALESCE(CAST(l."expiresAt" AS TEXT), ''), COALESCE(l."reason", ''), COALESCE(l."tokenHash", ''), )"
      R"(COALESCE(l."fence", 0))";
  return columns;
}

void LockRow::Bind(Query& q) {
  q.Into(id).Into(project_id).Into(locked_by).Into(locked_at).Into(expires_at).Into(reason).Into(token_hash)
      .Into(fence);
}

Lock LockRow::Get() && {
  return Lock{std::move(id), std::move(project_id), std::move(locked_by), ReadTime(locked_at), ReadTime(expires_at),
              std::move(reason), std::move(token_hash), fence};
}

// --- ApiKey -------------------------------------------------------------------------

const std::string& KeyColumns() {
  static const std::string columns =
      R"("id", "projectId", "key", "name", CASE WHEN "isActive" THEN 1 ELSE 0 END, )" + Time("createdAt") +
      R"(, "scope", "prefix", )" + OptionalTime("lastUsedAt") + R"(, "lastPulledHash", )" +
      OptionalTime("lastPulledAt");
  return columns;
}

void KeyRow::Bind(Query& q) {
  q.Into(id).Into(project_id).Into(key_hash).Into(name).Into(active).Into(created).Into(scope).Into(prefix)
      .Into(last_used).Into(last_pulled_hash).Into(last_pulled);
}

ApiKey KeyRow::Get() && {
  KeyScope parsed = KeyScope::kRead;
  ParseScope(scope, &parsed);
  return ApiKey{std::move(id), std::move(project_id), std::move(key_hash), std::move(name), active != 0,
                ReadTime(created), parsed, std::move(prefix), ReadOptionalTime(last_used),
                std::move(last_pulled_hash), ReadOptionalTime(last_pulled)};
}

// --- Event --------------------------------------------------------------------------

const std::string& EventColumns() {
  static const std::string columns = R"("seq", "type", "payload", )" + Time("createdAt");
  return columns;
}

void EventRow::Bind(Query& q) { q.Into(seq).Into(type).Into(payload).Into(created); }

Event EventRow::Get(const std::string& project_id) && {
  return Event{project_id, seq, std::move(type), std::move(payload), ReadTime(created)};
}

}  // namespace libsync::sql
