// SqlTransaction: projects.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {
namespace {

/// The sync status columns of a project row as bound parameters, in column order:
/// lastImportAt, lastImportCommit, lastImportResult, the same for export, lastSyncError,
/// lastSyncErrorAt (times '' for NULL, see NullableTime), syncIntervalSeconds, cleanSyncMark,
/// repoUrlSecret.
struct SyncColumns {
  explicit SyncColumns(Project& p)
      : import_at(WriteOptionalTime(p.last_import.at)),
        export_at(WriteOptionalTime(p.last_export.at)),
        error_at(WriteOptionalTime(p.last_sync_error_at)),
        p_(p) {}
  void Bind(Query& q) {
    interval = p_.sync_interval_seconds;
    q.Use(import_at).Use(p_.last_import.commit).Use(p_.last_import.result).Use(export_at).Use(p_.last_export.commit)
        .Use(p_.last_export.result).Use(p_.last_sync_error).Use(error_at).Use(interval).Use(p_.clean_sync_mark)
        .Use(p_.repo_url_secret);
  }
  std::string import_at, export_at, error_at;
  long long interval = 0;

 private:
  Project& p_;
};

}  // namespace

Result<Project> SqlTransaction::GetProject(std::string_view id) {
  return Guard([&]() -> Result<Project> {
    std::string key(id);
    static const std::string sql = "SELECT " + ProjectColumns() + R"( FROM "Project" WHERE "id" = :id)";
    auto rows = Collect<ProjectRow>(channel_, sql, [&](Query& q) { q.Use(key); });
    if (rows.empty()) return ProjectNotFound(id);
    return std::move(rows.front());
  });
}

Result<std::vector<Project>> SqlTransaction::ListProjects() {
  return Guard([&]() -> Result<std::vector<Project>> {
    static const std::string sql = "SELECT " + ProjectColumns() + R"( FROM "Project" ORDER BY "createdAt", "id")";
    return Collect<ProjectRow>(channel_, sql, [](Query&) {});
  });
}

Status SqlTransaction::InsertProject(const Project& p) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    Project v = p;
    std::string created = FormatTimestamp(v.created_at), updated = FormatTimestamp(v.updated_at);
    std::string synced = WriteOptionalTime(v.synced_at);
    SyncColumns sync(v);
    Query q(channel_);
    q.Use(v.id).Use(v.name).Use(v.repo_url).Use(v.token).Use(v.branch).Use(v.docs_path).Use(created).Use(updated)
        .Use(v.last_synced_commit).Use(synced).Use(v.webhook_secret);
    sync.Bind(q);
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "Project" ("id", "name", "repoUrl", "token", "branch", "docsPath", "createdAt",
                "updatedAt", "lastSyncedCommit", "syncedAt", "webhookSecret", "lastImportAt", "lastImportCommit",
                "lastImportResult", "lastExportAt", "lastExportCommit", "lastExportResult", "lastSyncError",
                "lastSyncErrorAt", "syncIntervalSeconds", "cleanSyncMark", "repoUrlSecret")
                VALUES (:id, :n, :r, :t, :b, :d, :c, :u, :l, )" +
             NullableTime(d, ":s") + ", :w, " + NullableTime(d, ":ia") + ", :ic, :ir, " + NullableTime(d, ":ea") +
             ", :ec, :er, :se, " + NullableTime(d, ":sa") + ", :si, :cm, :rs) ON CONFLICT DO NOTHING";
    }));
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
    SyncColumns sync(v);
    Query q(channel_);
    q.Use(v.name).Use(v.repo_url).Use(v.token).Use(v.branch).Use(v.docs_path).Use(updated)
        .Use(v.last_synced_commit).Use(synced).Use(v.webhook_secret);
    sync.Bind(q);
    q.Use(v.id);
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(UPDATE "Project" SET "name" = :n, "repoUrl" = :r, "token" = :t, "branch" = :b,
                "docsPath" = :d, "updatedAt" = :u, "lastSyncedCommit" = :l, "syncedAt" = )" +
             NullableTime(d, ":s") + R"(, "webhookSecret" = :w, "lastImportAt" = )" + NullableTime(d, ":ia") +
             R"(, "lastImportCommit" = :ic, "lastImportResult" = :ir, "lastExportAt" = )" + NullableTime(d, ":ea") +
             R"(, "lastExportCommit" = :ec, "lastExportResult" = :er, "lastSyncError" = :se, "lastSyncErrorAt" = )" +
             NullableTime(d, ":sa") + R"(, "syncIntervalSeconds" = :si, "cleanSyncMark" = :cm,
             "repoUrlSecret" = :rs WHERE "id" = :id)";
    }));
    return q.Affected() == 0 ? ProjectNotFound(p.id) : Status::Ok();
  });
}

Result<bool> SqlTransaction::ClaimPoll(std::string_view project_id, std::string_view holder, Timestamp now,
                                       Timestamp until, Timestamp next_poll_at) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Result<bool> {
    std::string id(project_id), who(holder), who_again(holder);
    std::string until_text = FormatTimestamp(until), next_text = FormatTimestamp(next_poll_at);
    std::string now_text = FormatTimestamp(now);
    Query q(channel_);
    q.Use(who).Use(until_text).Use(next_text).Use(id).Use(who_again).Use(now_text);
    // One statement: on PostgreSQL a second claimant waits for the first's row lock and
    // then re-reads the condition, so at most one lease is ever live.
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(UPDATE "Project" SET "pollHolder" = :h, "pollLeaseUntil" = )" + TimeParam(d, ":u") +
             R"(, "nextPollAt" = )" + TimeParam(d, ":n") + R"( WHERE "id" = :id AND ("pollHolder" = '' OR
             "pollHolder" = :h2 OR "pollLeaseUntil" IS NULL OR "pollLeaseUntil" <= )" + TimeParam(d, ":now") + ")";
    }));
    if (q.Affected() == 1) return true;
    if (!ProjectExists(id)) return ProjectNotFound(project_id);
    return false;
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
    return q.Affected() == 0 ? ProjectNotFound(id) : Status::Ok();
  });
}

}  // namespace libsync::sql
