// SqlTransaction: the conflicts of each project's last import.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

Status SqlTransaction::PutConflict(const DocConflict& c) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    DocConflict v = c;
    if (!ProjectExists(v.project_id)) return ProjectNotFound(v.project_id);
    long long has_base = v.base_content ? 1 : 0, has_remote = v.remote_content ? 1 : 0;
    std::string base = v.base_content.value_or(""), remote = v.remote_content.value_or("");
    std::string detected = FormatTimestamp(v.detected_at);
    Query q(channel_);
    q.Use(v.project_id).Use(v.file_name).Use(v.reason).Use(v.commit).Use(v.base_blob_oid).Use(v.remote_blob_oid)
        .Use(has_base).Use(base).Use(has_remote).Use(remote).Use(detected);
    // A text's absence (NULL) and an empty text ('') are different answers.
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "SyncConflict" ("projectId", "fileName", "reason", "commit", "baseBlobOid",
                "remoteBlobOid", "baseContent", "remoteContent", "detectedAt")
                VALUES (:p, :f, :r, :c, :bb, :rb, CASE WHEN :hb = 1 THEN CAST(:b AS TEXT) END,
                CASE WHEN :hr = 1 THEN CAST(:rt AS TEXT) END, )" + TimeParam(d, ":t") + R"()
                ON CONFLICT ("projectId", "fileName") DO UPDATE SET "reason" = excluded."reason",
                "commit" = excluded."commit", "baseBlobOid" = excluded."baseBlobOid",
                "remoteBlobOid" = excluded."remoteBlobOid", "baseContent" = excluded."baseContent",
                "remoteContent" = excluded."remoteContent", "detectedAt" = excluded."detectedAt")";
    }));
    return Status::Ok();
  });
}

Result<std::vector<DocConflict>> SqlTransaction::ListConflicts(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<DocConflict>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    const std::string& sql = PerDialect(dialect_, [](Dialect d) {
      return "SELECT " + ConflictColumns() + R"( FROM "SyncConflict" WHERE "projectId" = :p )" + OrderByFileName(d);
    });
    return Collect<ConflictRow>(channel_, sql, [&](Query& q) { q.Use(pid); });
  });
}

Result<std::optional<DocConflict>> SqlTransaction::TakeConflict(std::string_view project_id,
                                                                std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Result<std::optional<DocConflict>> {
    std::string pid(project_id), name(file_name);
    // A SELECT, then the DELETE: SQLite 3.40 evaluates `"baseContent" IS NULL` wrongly in a
    // DELETE's RETURNING list when the row is found by its primary key (it answers false
    // for a NULL), which would turn a missing text into an empty one.
    static const std::string select =
        "SELECT " + ConflictColumns() + R"( FROM "SyncConflict" WHERE "projectId" = :p AND "fileName" = :f)";
    auto rows = Collect<ConflictRow>(channel_, select, [&](Query& q) { q.Use(pid).Use(name); });
    if (rows.empty()) {
      if (!ProjectExists(pid)) return ProjectNotFound(project_id);
      return std::optional<DocConflict>();
    }
    Query q(channel_);
    q.Use(pid).Use(name);
    q.Run(R"(DELETE FROM "SyncConflict" WHERE "projectId" = :p AND "fileName" = :f)");
    return std::optional<DocConflict>(std::move(rows.front()));
  });
}

Status SqlTransaction::ClearConflicts(std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    Query q(channel_);
    q.Use(pid);
    q.Run(R"(DELETE FROM "SyncConflict" WHERE "projectId" = :p)");
    return Status::Ok();
  });
}

}  // namespace libsync::sql
