// SqlTransaction: projects.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

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
    Query q(channel_);
    q.Use(v.id).Use(v.name).Use(v.repo_url).Use(v.token).Use(v.branch).Use(v.docs_path).Use(created).Use(updated)
        .Use(v.last_synced_commit).Use(synced).Use(v.webhook_secret);
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "Project" ("id", "name", "repoUrl", "token", "branch", "docsPath", "createdAt",
                "updatedAt", "lastSyncedCommit", "syncedAt", "webhookSecret") VALUES (:id, :n, :r, :t, :b, :d, :c,
                :u, :l, )" + NullableTime(d, ":s") + ", :w) ON CONFLICT DO NOTHING";
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
    Query q(channel_);
    q.Use(v.name).Use(v.repo_url).Use(v.token).Use(v.branch).Use(v.docs_path).Use(updated)
        .Use(v.last_synced_commit).Use(synced).Use(v.webhook_secret).Use(v.id);
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(UPDATE "Project" SET "name" = :n, "repoUrl" = :r, "token" = :t, "branch" = :b,
                "docsPath" = :d, "updatedAt" = :u, "lastSyncedCommit" = :l, "syncedAt" = )" +
             NullableTime(d, ":s") + R"(, "webhookSecret" = :w WHERE "id" = :id)";
    }));
    return q.Affected() == 0 ? ProjectNotFound(p.id) : Status::Ok();
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
