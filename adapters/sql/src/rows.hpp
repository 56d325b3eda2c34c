#pragma once
// The one place where SQL rows become model types: for each type, the columns a SELECT
// names (in order) and the row struct that binds them to a Query and builds the value.
// A column added to a table is added here, to the list and to its row, and nowhere else.
//
// Timestamps are selected as text (CAST(... AS TEXT)), which SQLite returns as stored and
// PostgreSQL renders in the ISO datestyle set per connection: both are what
// ParseTimestamp reads. Optional timestamps are '' when NULL.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libsync/model/api_key.hpp"
#include "libsync/model/doc.hpp"
#include "libsync/model/doc_conflict.hpp"
#include "libsync/model/doc_version.hpp"
#include "libsync/model/event.hpp"
#include "libsync/model/lock.hpp"
#include "libsync/model/project.hpp"
#include "libsync/timestamp.hpp"
#include "query.hpp"

namespace libsync::sql {

/// Reads a timestamp column; an unreadable one is a corrupt row (BadRow).
Timestamp ReadTime(const std::string& text);
/// '' (a NULL selected through COALESCE) is no timestamp.
std::optional<Timestamp> ReadOptionalTime(const std::string& text);
/// The text an optional timestamp parameter carries: '' for none (see NullableTime).
std::string WriteOptionalTime(const std::optional<Timestamp>& t);

/// "id", "name", "repoUrl", ... as ProjectRow binds them.
const std::string& ProjectColumns();
struct ProjectRow {
  std::string id, name, repo_url, token, branch, docs_path, created, updated, commit, synced, webhook_secret;
  std::string import_at, import_commit, import_result, export_at, export_commit, export_result;
  std::string sync_error, sync_error_at;
  long long sync_interval = 0;
  std::string next_poll;
  std::string clean_sync_mark;
  std::string repo_url_secret;
  void Bind(Query& q);
  Project Get() &&;
};

/// "id", "projectId", "fileName", "content", ... as DocRow binds them.
const std::string& DocColumns();
struct DocRow {
  std::string id, project_id, file_name, content, hash;
  long long version = 0;
  std::string created, updated, base_blob, updated_by, blob;
  void Bind(Query& q);
  Doc Get() &&;
};

/// A doc without its content, for listings.
const std::string& DocSummaryColumns();
struct DocSummaryRow {
  std::string file_name, hash;
  long long version = 0;
  std::string updated, base_blob, blob;
  void Bind(Query& q);
  DocSummary Get() &&;
};

/// "projectId", "fileName", "baseBlobOid", "deletedAt", "deletedBy" of "DocTombstone".
const std::string& TombstoneColumns();
struct TombstoneRow {
  std::string project_id, file_name, base_blob, deleted, deleted_by;
  void Bind(Query& q);
  DocTombstone Get() &&;
};

/// The columns of "SyncConflict"; each nullable text comes as a flag (1 when present)
/// followed by the text ('' when NULL).
const std::string& ConflictColumns();
struct ConflictRow {
  std::string project_id, file_name, reason, commit, base_blob, remote_blob;
  long long has_base = 0;
  std::string base;
  long long has_remote = 0;
  std::string remote, detected;
  void Bind(Query& q);
  DocConflict Get() &&;
};

/// The version columns with its content, or with '' in its place for listings (the
/// history of a large doc stays cheap). For a query of "DocVersion" alone: the content of
/// a version stored without text is read from its doc's row.
const std::string& VersionColumns();
const std::string& VersionColumnsWithoutContent();
/// As VersionColumnsWithoutContent, with kTextInDoc in the content's place for a row that
/// holds no text of its own (migration 11), '' for the others.
inline constexpr std::string_view kTextInDoc = "(in the doc)";
const std::string& VersionColumnsMarkingTextInDoc();
struct VersionRow {
  std::string id, doc_id, project_id, file_name;
  long long version = 0;
  std::string content, hash, author, source, created, blob;
  void Bind(Query& q);
  DocVersion Get() &&;
};

/// "id", "projectId", "lockedBy", ... of "Lock", as LockRow binds them.
const std::string& LockColumns();
/// The same columns from `FROM "Project" p LEFT JOIN "Lock" l`: the project's id, and ''
/// and 0 in the lock's columns when it has none (then LockRow::Get is not called: id is '').
const std::string& JoinedLockColumns();
struct LockRow {
  std::string id, project_id, locked_by, locked_at, expires_at, reason, token_hash;
  long long fence = 0;
  void Bind(Query& q);
  Lock Get() &&;
};

/// "id", "projectId", "key", ... of "ApiKey", as KeyRow binds them.
const std::string& KeyColumns();
struct KeyRow {
  std::string id, project_id, key_hash, name;
  int active = 0;
  std::string created, scope, prefix, last_used, last_pulled_hash, last_pulled;
  void Bind(Query& q);
  ApiKey Get() &&;
};

/// "seq", "type", "payload", "createdAt" of "Event" (the project is the caller's).
const std::string& EventColumns();
struct EventRow {
  long long seq = 0;
  std::string type, payload, created;
  void Bind(Query& q);
  Event Get(const std::string& project_id) &&;
};

/// Runs a SELECT bound to a fresh `Row` and collects every row (each moved out of the
/// row, which the next fetch fills again). `bind_inputs` binds the parameters.
template <class Row, class Bind>
auto Collect(const Channel& channel, std::string_view sql, Bind&& bind_inputs) {
  Row row;
  Query q(channel);
  row.Bind(q);
  bind_inputs(q);
  std::vector<decltype(std::move(row).Get())> out;
  for (bool more = q.Run(sql); more; more = q.Next()) out.push_back(std::move(row).Get());
  return out;
}

}  // namespace libsync::sql
