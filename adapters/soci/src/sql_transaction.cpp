#include "sql_transaction.hpp"

#include <libpq-fe.h>

#include <optional>
#include <stdexcept>
#include <vector>

#include "error_mapping.hpp"

namespace libsync::sql {
namespace {

// Timestamps go in as ISO-8601 text and come out through CAST(... AS TEXT), which both
// SQLite (text as stored) and PostgreSQL (ISO datestyle) render in a form ParseTimestamp
// reads. An unreadable value is a corrupt row, reported as kInternal.
Timestamp ReadTime(const std::string& text) {
  auto t = ParseTimestamp(text);
  if (!t) throw std::runtime_error("unreadable timestamp in database: '" + text + "'");
  return *t;
}

std::optional<Timestamp> ReadOptionalTime(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return ReadTime(text);
}

std::string WriteOptionalTime(const std::optional<Timestamp>& t) {
  return t ? FormatTimestamp(*t) : std::string();
}

std::string Time(const char* column) { return std::string("CAST(\"") + column + "\" AS TEXT)"; }
std::string OptionalTime(const char* column) {
  return std::string("COALESCE(CAST(\"") + column + "\" AS TEXT), '')";
}

const std::string kProjectColumns = R"("id", "name", "repoUrl", "token", "branch", "docsPath", )" +
                                    Time("createdAt") + ", " + Time("updatedAt") +
                                    R"(, "lastSyncedCommit", )" + OptionalTime("syncedAt");

struct ProjectRow {
  std::string id, name, repo_url, token, branch, docs_path, created, updated, commit, synced;
  void Bind(Query& q) {
    q.Into(id).Into(name).Into(repo_url).Into(token).Into(branch).Into(docs_path).Into(created)
        .Into(updated).Into(commit).Into(synced);
  }
  Project Get() && {
    return Project{std::move(id), std::move(name), std::move(repo_url), std::move(token), std::move(branch),
                   std::move(docs_path), ReadTime(created), ReadTime(updated), std::move(commit),
                   ReadOptionalTime(synced)};
  }
};

const std::string kDocColumns = R"("id", "projectId", "fileName", "content", "hash", "version", )" +
                                Time("createdAt") + ", " + Time("updatedAt") +
                                R"(, "baseBlobOid", "updatedBy")";

struct DocRow {
  std::string id, project_id, file_name, content, hash;
  long long version = 0;
  std::string created, updated, base_blob, updated_by;
  void Bind(Query& q) {
    q.Into(id).Into(project_id).Into(file_name).Into(content).Into(hash).Into(version).Into(created)
        .Into(updated).Into(base_blob).Into(updated_by);
  }
  Doc Get() && {
    return Doc{std::move(id), std::move(project_id), std::move(file_name), std::move(content), std::move(hash),
               version, ReadTime(created), ReadTime(updated), std::move(base_blob), std::move(updated_by)};
  }
};

const std::string kVersionColumns = R"("id", "docId", "projectId", "fileName", "version", )";

struct VersionRow {
  std::string id, doc_id, project_id, file_name;
  long long version = 0;
  std::string content, hash, author, source, created;
  void Bind(Query& q) {
    q.Into(id).Into(doc_id).Into(project_id).Into(file_name).Into(version).Into(content).Into(hash)
        .Into(author).Into(source).Into(created);
  }
  DocVersion Get() && {
    VersionSource parsed = VersionSource::kApi;
    ParseSource(source, &parsed);
    return DocVersion{std::move(id), std::move(doc_id), std::move(project_id), std::move(file_name), version,
                      std::move(content), std::move(hash), std::move(author), parsed, ReadTime(created)};
  }
};

const std::string kLockColumns = R"("id", "projectId", "lockedBy", )" + Time("lockedAt") + ", " +
                                 Time("expiresAt") + R"(, COALESCE("reason", ''), "tokenHash", "fence")";

struct LockRow {
  std::string id, project_id, locked_by, locked_at, expires_at, reason, token_hash;
  long long fence = 0;
  void Bind(Query& q) {
    q.Into(id).Into(project_id).Into(locked_by).Into(locked_at).Into(expires_at).Into(reason)
        .Into(token_hash).Into(fence);
  }
  Lock Get() && {
    return Lock{std::move(id), std::move(project_id), std::move(locked_by), ReadTime(locked_at), ReadTime(expires_at),
                std::move(reason), std::move(token_hash), fence};
  }
};

const std::string kKeyColumns = R"("id", "projectId", "key", "name", CASE WHEN "isActive" THEN 1 ELSE 0 END, )" +
                                Time("createdAt") + R"(, "scope", "prefix", )" + OptionalTime("lastUsedAt") +
                                R"(, "lastPulledHash", )" + OptionalTime("lastPulledAt");

struct KeyRow {
  std::string id, project_id, key_hash, name;
  int active = 0;
  std::string created, scope, prefix, last_used, last_pulled_hash, last_pulled;
  void Bind(Query& q) {
    q.Into(id).Into(project_id).Into(key_hash).Into(name).Into(active).Into(created).Into(scope)
        .Into(prefix).Into(last_used).Into(last_pulled_hash).Into(last_pulled);
  }
  ApiKey Get() && {
    KeyScope parsed = KeyScope::kRead;
    ParseScope(scope, &parsed);
    return ApiKey{std::move(id), std::move(project_id), std::move(key_hash), std::move(name), active != 0,
                  ReadTime(created), parsed, std::move(prefix), ReadOptionalTime(last_used),
                  std::move(last_pulled_hash), ReadOptionalTime(last_pulled)};
  }
};

/// Runs a SELECT bound to `row` and collects every row (each moved out of `row`, which
/// the next fetch fills again).
template <class Row, class Out, class Bind>
std::vector<Out> Collect(const Channel& channel, const std::string& sql, Bind&& bind_inputs) {
  Row row;
  Query q(channel);
  row.Bind(q);
  bind_inputs(q);
  std::vector<Out> out;
  for (bool more = q.Run(sql); more; more = q.Next()) out.push_back(std::move(row).Get());
  return out;
}

// A timestamp parameter where PostgreSQL cannot infer its type from a column.
std::string TimeParam(Dialect dialect, const char* param) {
  if (dialect == Dialect::kPostgres) return std::string("CAST(") + param + " AS TIMESTAMP(3))";
  return param;
}

// A statement text per dialect, built once: SQLite's statement cache then finds it by
// its address.
template <class Build>
const std::string& PerDialect(Dialect dialect, Build&& build) {
  static const std::string texts[] = {build(Dialect::kSqlite), build(Dialect::kPostgres)};
  return texts[dialect == Dialect::kPostgres ? 1 : 0];
}

Status NoProject(std::string_view id) {
  return Status::NotFound("project '" + std::string(id) + "' not found");
}
Status NoDoc(std::string_view name) {
  return Status::NotFound("doc '" + std::string(name) + "' not found");
}

}  // namespace

template <class Fn>
auto SqlTransaction::Catch(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    MappedError mapped = MapSqlError(e);
    if (mapped.retryable) conflicted_ = true;
    return mapped.status;
  }
}

template <class Fn>
auto SqlTransaction::Guard(Fn&& fn) -> decltype(fn()) {
  return Catch([&] {
    WriteCounters();  // reads must see this transaction's own writes
    return fn();
  });
}

Status SqlTransaction::Writable() const {
  if (mode_ == TxMode::kWrite) return Status::Ok();
  return Status::Internal("write attempted in a read transaction", "soci");
}

SqlTransaction::SqlTransaction(Executor executor, Dialect dialect, TxMode mode, std::size_t event_retention,
                               const char* begin)
    : dialect_(dialect), mode_(mode), event_retention_(event_retention) {
  if (executor.pg) {
    pipeline_.emplace(executor.pg, executor.pg_statements);
    channel_.pg = &*pipeline_;
  } else {
    channel_.sqlite = executor.sqlite;
  }
  // PostgreSQL: the BEGIN rides with the first statement that is read, rather than in a
  // round trip of its own. SQLite: a kept statement, run now.
  Query(channel_).Queue(begin);
}

void SqlTransaction::WriteCounters() {
  if (!counters_dirty_) return;
  long long fence = locked_fence_, seq = locked_seq_;
  Query q(channel_);
  q.Use(fence).Use(seq).Use(locked_project_);
  q.Queue(R"(UPDATE "Project" SET "lockFence" = :f, "eventSeq" = :s WHERE "id" = :p)");
  counters_dirty_ = false;
}

void SqlTransaction::Commit() {
  WriteCounters();
  commit_sent_ = true;
  Query(channel_).Run("COMMIT");
}

void SqlTransaction::Rollback() noexcept {
  if (pipeline_) {
    pipeline_->Discard();
    // Nothing was sent yet (the BEGIN still queued), or the connection is gone: the
    // server has nothing to undo for us.
    if (PQtransactionStatus(pipeline_->conn()) == PQTRANS_IDLE ||
        PQstatus(pipeline_->conn()) != CONNECTION_OK) {
      return;
    }
  }
  try {
    Query(channel_).Run("ROLLBACK");
  } catch (...) {
    // The connection broke and the server has rolled the transaction back already; the
    // store replaces the connection (Connection::Lost).
  }
}

bool SqlTransaction::HoldsProjectRow(std::string_view project_id) const {
  return !locked_project_.empty() && locked_project_ == project_id;
}

std::string SqlTransaction::NullableTime(const char* param) const {
  // PostgreSQL cannot infer a timestamp from NULLIF(text, ''), so it gets an explicit cast;
  // SQLite stores the text as it is.
  if (dialect_ == Dialect::kPostgres) return std::string("CAST(NULLIF(") + param + ", '') AS TIMESTAMP(3))";
  return std::string("NULLIF(") + param + ", '')";
}

bool SqlTransaction::ProjectExists(const std::string& id) {
  int one = 0;
  std::string key = id;
  Query q(channel_);
  q.Into(one).Use(key);
  return q.Run(R"(SELECT 1 FROM "Project" WHERE "id" = :id)");
}

// --- projects -----------------------------------------------------------------------

Result<Project> SqlTransaction::GetProject(std::string_view id) {
  return Guard([&]() -> Result<Project> {
    std::string key(id);
    static const std::string sql = "SELECT " + kProjectColumns + R"( FROM "Project" WHERE "id" = :id)";
    auto rows = Collect<ProjectRow, Project>(channel_, sql, [&](Query& q) { q.Use(key); });
    if (rows.empty()) return NoProject(id);
    return std::move(rows.front());
  });
}

Status SqlTransaction::LockProject(std::string_view id) {
  Result<std::optional<Lock>> lock =
      dialect_ == Dialect::kPostgres ? LockProjectRowPostgres(id) : ReadLock(id, /*keep_counters=*/true);
  if (!lock) return lock.error();
  cached_lock_project_ = std::string(id);
  cached_lock_ = std::move(lock).value();
  // PostgreSQL: FOR UPDATE holds the row; SQLite: BEGIN IMMEDIATE holds the database.
  if (mode_ == TxMode::kWrite) locked_project_ = std::string(id);
  return Status::Ok();
}

// Two statements in one pipeline: READ COMMITTED gives each its own snapshot,
// so the lock row is read after the project row lock was granted -- one statement with a
// join would read the lock row as it was before waiting, and two writers could both see
// the project unlocked.
Result<std::optional<Lock>> SqlTransaction::LockProjectRowPostgres(std::string_view id) {
  return Catch([&]() -> Result<std::optional<Lock>> {
    WriteCounters();
    static const std::string lock_project =
        R"(SELECT "lockFence", "eventSeq" FROM "Project" WHERE "id" = $1 FOR UPDATE)";
    static const std::string read_lock = "SELECT " + kLockColumns + R"( FROM "Lock" WHERE "projectId" = $1)";
    const std::string key(id);
    const char* values[] = {key.c_str()};
    const std::size_t sizes[] = {key.size()};
    const PgStatement statements[] = {{lock_project.c_str(), values, sizes}, {read_lock.c_str(), values, sizes}};
    // Whatever is still queued (at least the BEGIN) rides along in the same round trip.
    std::vector<PgResult> results = pipeline_->Run(statements);
    PGresult* project = results[0].get();
    PGresult* lock = results[1].get();
    if (PQntuples(project) == 0) return NoProject(id);
    locked_fence_ = std::stoll(PQgetvalue(project, 0, 0));
    locked_seq_ = std::stoll(PQgetvalue(project, 0, 1));
    if (PQntuples(lock) == 0) return std::optional<Lock>();
    const auto text = [&](int column) {
      return std::string(PQgetvalue(lock, 0, column), static_cast<std::size_t>(PQgetlength(lock, 0, column)));
    };
    LockRow row{text(0), text(1), text(2), text(3), text(4), text(5), text(6), std::stoll(text(7))};
    return std::optional<Lock>(std::move(row).Get());
  });
}

Result<std::optional<Lock>> SqlTransaction::ReadLock(std::string_view project_id, bool keep_counters) {
  return Guard([&]() -> Result<std::optional<Lock>> {
    std::string pid(project_id);
    std::string sql = "SELECT p.\"id\", COALESCE(l.\"id\", ''), COALESCE(l.\"lockedBy\", ''), "
                      "COALESCE(CAST(l.\"lockedAt\" AS TEXT), ''), COALESCE(CAST(l.\"expiresAt\" AS TEXT), ''), "
                      "COALESCE(l.\"reason\", ''), COALESCE(l.\"tokenHash\", ''), COALESCE(l.\"fence\", 0), "
                      "p.\"lockFence\", p.\"eventSeq\" "
                      "FROM \"Project\" p LEFT JOIN \"Lock\" l ON l.\"projectId\" = p.\"id\" WHERE p.\"id\" = :p";
    LockRow row;
    std::string project;
    long long fence_counter = 0, seq_counter = 0;
    Query q(channel_);
    q.Into(project).Into(row.id).Into(row.locked_by).Into(row.locked_at).Into(row.expires_at).Into(row.reason)
        .Into(row.token_hash).Into(row.fence).Into(fence_counter).Into(seq_counter).Use(pid);
    if (!q.Run(sql)) return NoProject(project_id);
    if (keep_counters) {
      locked_fence_ = fence_counter;
      locked_seq_ = seq_counter;
    }
    if (row.id.empty()) return std::optional<Lock>();
    row.project_id = pid;
    return std::optional<Lock>(std::move(row).Get());
  });
}

Result<std::vector<Project>> SqlTransaction::ListProjects() {
  return Guard([&]() -> Result<std::vector<Project>> {
    return Collect<ProjectRow, Project>(channel_, "SELECT " + kProjectColumns + R"( FROM "Project" ORDER BY "createdAt", "id")",
                                        [](Query&) {});
  });
}

Status SqlTransaction::InsertProject(const Project& p) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    Project v = p;
    std::string created = FormatTimestamp(v.created_at), updated = FormatTimestamp(v.updated_at);
    std::string synced = WriteOptionalTime(v.synced_at);
    Query q(channel_);
    q.Use(v.id).Use(v.name).Use(v.repo_url).Use(v.token).Use(v.branch).Use(v.docs_path).Use(created)
        .Use(updated).Use(v.last_synced_commit).Use(synced);
    q.Run(R"(INSERT INTO "Project" ("id", "name", "repoUrl", "token", "branch", "docsPath", "createdAt",
             "updatedAt", "lastSyncedCommit", "syncedAt") VALUES (:id, :n, :r, :t, :b, :d, :c, :u, :l, )" +
          NullableTime(":s") + ") ON CONFLICT DO NOTHING");
    if (q.Affected() == 0) return Status::PreconditionFailed("project id exists");
    return Status::Ok();
  });
}

Status SqlTransaction::UpdateProject(const Project& p) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    Project v = p;
    std::string updated = FormatTimestamp(v.updated_at);
    std::string synced = WriteOptionalTime(v.synced_at);
    Query q(channel_);
    q.Use(v.name).Use(v.repo_url).Use(v.token).Use(v.branch).Use(v.docs_path).Use(updated)
        .Use(v.last_synced_commit).Use(synced).Use(v.id);
    q.Run(R"(UPDATE "Project" SET "name" = :n, "repoUrl" = :r, "token" = :t, "branch" = :b,
             "docsPath" = :d, "updatedAt" = :u, "lastSyncedCommit" = :l, "syncedAt" = )" +
          NullableTime(":s") + R"( WHERE "id" = :id)");
    return q.Affected() == 0 ? NoProject(p.id) : Status::Ok();
  });
}

Status SqlTransaction::DeleteProject(std::string_view id) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  cached_lock_project_.clear();
  return Guard([&]() -> Status {
    std::string key(id);
    Query q(channel_);
    q.Use(key);
    q.Run(R"(DELETE FROM "Project" WHERE "id" = :id)");
    return q.Affected() == 0 ? NoProject(id) : Status::Ok();
  });
}

// --- docs ---------------------------------------------------------------------------

Result<Doc> SqlTransaction::GetDoc(std::string_view project_id, std::string_view file_name) {
  return Guard([&]() -> Result<Doc> {
    std::string pid(project_id), name(file_name);
    static const std::string sql = "SELECT " + kDocColumns + R"( FROM "Doc" WHERE "projectId" = :p AND "fileName" = :f)";
    auto rows = Collect<DocRow, Doc>(channel_, sql, [&](Query& q) { q.Use(pid).Use(name); });
    if (!rows.empty()) return std::move(rows.front());
    if (!ProjectExists(pid)) return NoProject(project_id);
    return NoDoc(file_name);
  });
}

Result<std::vector<Doc>> SqlTransaction::ListDocs(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<Doc>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return NoProject(project_id);
    // Bytewise order: PostgreSQL's collation may not be, so compare as bytes there.
    const char* order = dialect_ == Dialect::kPostgres ? R"(ORDER BY "fileName" COLLATE "C")" : R"(ORDER BY "fileName")";
    return Collect<DocRow, Doc>(channel_, "SELECT " + kDocColumns + R"( FROM "Doc" WHERE "projectId" = :p )" + order,
                                [&](Query& q) { q.Use(pid); });
  });
}

Result<std::vector<DocSummary>> SqlTransaction::ListDocSummaries(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<DocSummary>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return NoProject(project_id);
    std::string name, hash, updated, base;
    long long version = 0;
    Query q(channel_);
    q.Into(name).Into(hash).Into(version).Into(updated).Into(base).Use(pid);
    const char* order = dialect_ == Dialect::kPostgres ? R"(ORDER BY "fileName" COLLATE "C")" : R"(ORDER BY "fileName")";
    std::vector<DocSummary> out;
    for (bool more = q.Run(R"(SELECT "fileName", "hash", "version", )" + Time("updatedAt") +
                           R"(, "baseBlobOid" FROM "Doc" WHERE "projectId" = :p )" + order);
         more; more = q.Next()) {
      out.push_back({name, hash, version, ReadTime(updated), base});
    }
    return out;
  });
}

Status SqlTransaction::InsertDoc(const Doc& d) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    Doc v = d;
    long long version = v.version;
    std::string created = FormatTimestamp(v.created_at), updated = FormatTimestamp(v.updated_at);
    Query q(channel_);
    q.Use(v.id).Use(v.project_id).Use(v.file_name).Use(v.content).Use(v.hash).Use(version).Use(created)
        .Use(updated).Use(v.base_blob_oid).Use(v.updated_by);
    q.Run(R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt",
             "updatedAt", "baseBlobOid", "updatedBy") VALUES (:i, :p, :f, :c, :h, :v, :ca, :ua, :b, :ub)
             ON CONFLICT DO NOTHING)");
    if (q.Affected() == 0) return Status::PreconditionFailed("doc '" + d.file_name + "' already exists");
    return Status::Ok();
  });
}

Status SqlTransaction::UpdateDoc(const Doc& d, std::int64_t expected_version) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    Doc v = d;
    long long version = v.version, expected = expected_version;
    std::string updated = FormatTimestamp(v.updated_at);
    Query q(channel_);
    q.Use(v.content).Use(v.hash).Use(version).Use(updated).Use(v.base_blob_oid).Use(v.updated_by).Use(v.id)
        .Use(expected);
    // Compare-and-swap: the row changes only if nobody moved the version meanwhile.
    q.Run(R"(UPDATE "Doc" SET "content" = :c, "hash" = :h, "version" = :v, "updatedAt" = :u,
             "baseBlobOid" = :b, "updatedBy" = :ub WHERE "id" = :i AND "version" = :e)");
    if (q.Affected() == 1) return Status::Ok();
    long long current = 0;
    Query check(channel_);
    check.Into(current).Use(v.id);
    if (!check.Run(R"(SELECT "version" FROM "Doc" WHERE "id" = :i)")) return NoDoc(d.file_name);
    return Status::PreconditionFailed("doc '" + d.file_name + "' is at version " + std::to_string(current));
  });
}

Status SqlTransaction::DeleteDoc(std::string_view project_id, std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    std::string pid(project_id), name(file_name);
    Query q(channel_);
    q.Use(pid).Use(name);
    q.Run(R"(DELETE FROM "Doc" WHERE "projectId" = :p AND "fileName" = :f)");
    if (q.Affected() > 0) return Status::Ok();
    return ProjectExists(pid) ? NoDoc(file_name) : NoProject(project_id);
  });
}

// --- versions -----------------------------------------------------------------------

Status SqlTransaction::InsertDocVersion(const DocVersion& dv) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    DocVersion v = dv;
    long long version = v.version;
    std::string source(SourceName(v.source)), created = FormatTimestamp(v.created_at);
    Query q(channel_);
    q.Use(v.id).Use(v.doc_id).Use(v.project_id).Use(v.file_name).Use(version).Use(v.content).Use(v.hash)
        .Use(v.author).Use(source).Use(created);
    q.Run(R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content",
             "hash", "author", "source", "createdAt") VALUES (:i, :d, :p, :f, :v, :c, :h, :a, :s, :t)
             ON CONFLICT DO NOTHING)");
    if (q.Affected() == 0) return Status::PreconditionFailed("version " + std::to_string(dv.version) + " exists");
    return Status::Ok();
  });
}

Result<std::vector<DocVersion>> SqlTransaction::ListDocVersions(std::string_view doc_id) {
  return Guard([&]() -> Result<std::vector<DocVersion>> {
    std::string id(doc_id);
    // Content is left out of listings: history of a large doc stays cheap.
    return Collect<VersionRow, DocVersion>(channel_, "SELECT " + kVersionColumns + R"('', "hash", "author", "source", )" + Time("createdAt") +
                R"( FROM "DocVersion" WHERE "docId" = :d ORDER BY "version" DESC)",
        [&](Query& q) { q.Use(id); });
  });
}

Result<DocVersion> SqlTransaction::GetDocVersion(std::string_view doc_id, std::int64_t version) {
  return Guard([&]() -> Result<DocVersion> {
    std::string id(doc_id);
    long long n = version;
    auto rows = Collect<VersionRow, DocVersion>(channel_, "SELECT " + kVersionColumns + R"("content", "hash", "author", "source", )" + Time("createdAt") +
                R"( FROM "DocVersion" WHERE "docId" = :d AND "version" = :v)",
        [&](Query& q) { q.Use(id).Use(n); });
    if (rows.empty()) return Status::NotFound("version " + std::to_string(version) + " not found");
    return std::move(rows.front());
  });
}

// --- locks --------------------------------------------------------------------------

Result<std::optional<Lock>> SqlTransaction::GetLock(std::string_view project_id) {
  if (cached_lock_project_.empty() || cached_lock_project_ != project_id) {
    return ReadLock(project_id, /*keep_counters=*/false);
  }
  return cached_lock_;
}

Status SqlTransaction::PutLock(const Lock& l) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Catch([&]() -> Status {
    Lock v = l;
    long long fence = v.fence;
    std::string locked = FormatTimestamp(v.locked_at), expires = FormatTimestamp(v.expires_at);
    Query q(channel_);
    q.Use(v.id).Use(v.project_id).Use(v.locked_by).Use(locked).Use(expires).Use(v.reason).Use(v.token_hash)
        .Use(fence);
    // Nothing here needs an answer from the server: on PostgreSQL it goes out with the
    // next read or the commit.
    q.Queue(PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "Lock" ("id", "projectId", "lockedBy", "lockedAt", "expiresAt", "reason", "tokenHash",
                "fence") VALUES (:i, :p, :b, )" + TimeParam(d, ":la") + ", " + TimeParam(d, ":ea") +
             R"(, :r, :t, :f) ON CONFLICT ("projectId") DO UPDATE SET "id" = excluded."id",
                "lockedBy" = excluded."lockedBy", "lockedAt" = excluded."lockedAt",
                "expiresAt" = excluded."expiresAt", "reason" = excluded."reason",
                "tokenHash" = excluded."tokenHash", "fence" = excluded."fence")";
    }));
    cached_lock_project_ = l.project_id;
    cached_lock_ = l;
    return Status::Ok();
  });
}

Status SqlTransaction::DeleteLock(std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Catch([&]() -> Status {
    std::string pid(project_id);
    Query q(channel_);
    q.Use(pid);
    q.Queue(R"(DELETE FROM "Lock" WHERE "projectId" = :p)");
    cached_lock_project_ = std::string(project_id);
    cached_lock_.reset();
    return Status::Ok();
  });
}

Result<std::int64_t> SqlTransaction::NextFence(std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  if (HoldsProjectRow(project_id)) {
    // The row is ours until commit, so the counter read with it is still current.
    ++locked_fence_;
    counters_dirty_ = true;
    return static_cast<std::int64_t>(locked_fence_);
  }
  return Guard([&]() -> Result<std::int64_t> {
    std::string pid(project_id);
    long long fence = 0;
    Query q(channel_);
    q.Into(fence).Use(pid);
    if (!q.Run(R"(UPDATE "Project" SET "lockFence" = "lockFence" + 1 WHERE "id" = :p RETURNING "lockFence")")) {
      return NoProject(project_id);
    }
    return static_cast<std::int64_t>(fence);
  });
}

Result<std::vector<Lock>> SqlTransaction::ListExpiredLocks(Timestamp now) {
  return Guard([&]() -> Result<std::vector<Lock>> {
    std::string at = FormatTimestamp(now);
    return Collect<LockRow, Lock>(channel_, "SELECT " + kLockColumns + R"( FROM "Lock" WHERE "expiresAt" <= :n)",
                                  [&](Query& q) { q.Use(at); });
  });
}

// --- keys ---------------------------------------------------------------------------

Status SqlTransaction::InsertApiKey(const ApiKey& k) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    ApiKey v = k;
    int active = v.is_active ? 1 : 0;
    std::string created = FormatTimestamp(v.created_at), scope(ScopeName(v.scope));
    std::string used = WriteOptionalTime(v.last_used_at), pulled = WriteOptionalTime(v.last_pulled_at);
    Query q(channel_);
    q.Use(v.id).Use(v.project_id).Use(v.key_hash).Use(v.name).Use(active).Use(created).Use(scope).Use(v.prefix)
        .Use(used).Use(v.last_pulled_hash).Use(pulled);
    q.Run(R"(INSERT INTO "ApiKey" ("id", "projectId", "key", "name", "isActive", "createdAt", "scope",
             "prefix", "lastUsedAt", "lastPulledHash", "lastPulledAt")
             VALUES (:i, :p, :k, :n, (:a = 1), :c, :s, :x, )" +
          NullableTime(":u") + ", :h, " + NullableTime(":l") + ") ON CONFLICT DO NOTHING");
    if (q.Affected() == 0) return Status::PreconditionFailed("api key exists");
    return Status::Ok();
  });
}

Result<ApiKey> SqlTransaction::GetApiKey(std::string_view id) {
  static const std::string sql = "SELECT " + kKeyColumns + R"( FROM "ApiKey" WHERE "id" = :v)";
  return FindKey(sql, id);
}

Result<ApiKey> SqlTransaction::FindApiKeyByHash(std::string_view key_hash) {
  static const std::string sql = "SELECT " + kKeyColumns + R"( FROM "ApiKey" WHERE "key" = :v)";
  return FindKey(sql, key_hash);
}

Result<ApiKey> SqlTransaction::FindKey(const std::string& select, std::string_view value) {
  return Guard([&]() -> Result<ApiKey> {
    std::string wanted(value);
    auto rows = Collect<KeyRow, ApiKey>(channel_, select, [&](Query& q) { q.Use(wanted); });
    if (rows.empty()) return Status::NotFound("api key not found");
    return std::move(rows.front());
  });
}

Result<std::vector<ApiKey>> SqlTransaction::ListApiKeys(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<ApiKey>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return NoProject(project_id);
    return Collect<KeyRow, ApiKey>(channel_, "SELECT " + kKeyColumns + R"( FROM "ApiKey" WHERE "projectId" = :p ORDER BY "createdAt", "id")",
        [&](Query& q) { q.Use(pid); });
  });
}

Status SqlTransaction::UpdateApiKey(const ApiKey& k) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    ApiKey v = k;
    int active = v.is_active ? 1 : 0;
    std::string scope(ScopeName(v.scope));
    std::string used = WriteOptionalTime(v.last_used_at), pulled = WriteOptionalTime(v.last_pulled_at);
    Query q(channel_);
    q.Use(v.name).Use(active).Use(scope).Use(used).Use(v.last_pulled_hash).Use(pulled).Use(v.id);
    q.Run(R"(UPDATE "ApiKey" SET "name" = :n, "isActive" = (:a = 1), "scope" = :s, "lastUsedAt" = )" +
          NullableTime(":u") + R"(, "lastPulledHash" = :h, "lastPulledAt" = )" + NullableTime(":l") +
          R"( WHERE "id" = :i)");
    return q.Affected() == 0 ? Status::NotFound("api key not found") : Status::Ok();
  });
}

// --- events -------------------------------------------------------------------------

Result<std::int64_t> SqlTransaction::AppendEvent(std::string_view project_id, std::string_view type,
                                                 std::string_view payload, Timestamp at) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  // With the project row held, nothing here needs an answer from the server: defer it all.
  auto run = [&]() -> Result<std::int64_t> {
    long long seq = 0;
    Query q(channel_);
    q.Into(seq);
    if (HoldsProjectRow(project_id)) {
      seq = ++locked_seq_;
      counters_dirty_ = true;
      std::string pid(project_id), kind(type), body(payload), created = FormatTimestamp(at);
      Query insert(channel_);
      insert.Use(pid).Use(seq).Use(kind).Use(body).Use(created);
      insert.Queue(PerDialect(dialect_, [](Dialect d) {
        return R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt") VALUES (:p, :s, :t, :d, )" +
               TimeParam(d, ":c") + ")";
      }));
    } else if (dialect_ == Dialect::kPostgres) {
      // One round trip: take the next seq and insert the event with it.
      std::string pid(project_id), kind(type), body(payload), created = FormatTimestamp(at);
      q.Use(pid).Use(kind).Use(body).Use(created);
      if (!q.Run(R"(WITH next AS (UPDATE "Project" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = :p
                                   RETURNING "id", "eventSeq")
                    INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
                    SELECT "id", "eventSeq", :t, :d, CAST(:c AS TIMESTAMP(3)) FROM next RETURNING "seq")")) {
        return NoProject(project_id);
      }
    } else {
      std::string pid(project_id), kind(type), body(payload), created = FormatTimestamp(at);
      q.Use(pid);
      if (!q.Run(R"(UPDATE "Project" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = :p RETURNING "eventSeq")")) {
        return NoProject(project_id);
      }
      Query insert(channel_);
      insert.Use(pid).Use(seq).Use(kind).Use(body).Use(created);
      insert.Run(R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt") VALUES (:p, :s, :t, :d, :c))");
    }
    // Other servers on the same PostgreSQL database hear of the event on commit
    // (sql::ListenForEvents); a rolled-back transaction sends nothing.
    if (dialect_ == Dialect::kPostgres) {
      std::string notice = std::string(project_id) + ":" + std::to_string(seq);
      Query notify(channel_);
      notify.Use(notice);
      notify.Queue("SELECT pg_notify('libsync_events', :n)");
    }
    // Retention: the log keeps the newest events. Trimming every 64th append keeps the
    // log within retention + 64 events at a fraction of the cost.
    const long long horizon = seq - static_cast<long long>(event_retention_);
    if (horizon > 0 && seq % 64 == 0) {
      std::string pid(project_id);
      long long upto = horizon;
      Query trim(channel_);
      trim.Use(pid).Use(upto);
      trim.Queue(R"(DELETE FROM "Event" WHERE "projectId" = :p AND "seq" <= :s)");
    }
    return std::int64_t{seq};
  };
  return HoldsProjectRow(project_id) ? Catch(run) : Guard(run);
}

Result<EventPage> SqlTransaction::ReadEvents(std::string_view project_id, std::int64_t after_seq,
                                             std::size_t limit) {
  return Guard([&]() -> Result<EventPage> {
    std::string pid(project_id);
    long long head = 0, oldest = 0;
    Query h(channel_);
    h.Into(head).Use(pid);
    if (!h.Run(R"(SELECT "eventSeq" FROM "Project" WHERE "id" = :p)")) return NoProject(project_id);
    Query o(channel_);
    o.Into(oldest).Use(pid);
    o.Run(R"(SELECT COALESCE(MIN("seq"), 0) FROM "Event" WHERE "projectId" = :p)");
    EventPage page;
    page.head_seq = head;
    page.oldest_seq = oldest == 0 ? head + 1 : oldest;
    long long after = after_seq, max_rows = static_cast<long long>(limit);
    long long seq = 0;
    std::string type, payload, created;
    Query q(channel_);
    q.Into(seq).Into(type).Into(payload).Into(created).Use(pid).Use(after).Use(max_rows);
    for (bool more = q.Run(R"(SELECT "seq", "type", "payload", )" + Time("createdAt") +
                           R"( FROM "Event" WHERE "projectId" = :p AND "seq" > :a ORDER BY "seq" LIMIT :l)");
         more; more = q.Next()) {
      page.events.push_back(Event{pid, seq, type, payload, ReadTime(created)});
    }
    return page;
  });
}

}  // namespace libsync::sql
