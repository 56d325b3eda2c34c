// SqlTransaction: tombstones of docs deleted locally since their last git sync.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

Status SqlTransaction::PutTombstone(const DocTombstone& t) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    DocTombstone v = t;
    if (!ProjectExists(v.project_id)) return ProjectNotFound(v.project_id);
    std::string deleted = FormatTimestamp(v.deleted_at);
    Query q(channel_);
    q.Use(v.project_id).Use(v.file_name).Use(v.base_blob_oid).Use(deleted).Use(v.deleted_by);
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "DocTombstone" ("projectId", "fileName", "baseBlobOid", "deletedAt", "deletedBy")
                VALUES (:p, :f, :b, )" + TimeParam(d, ":t") + R"(, :by) ON CONFLICT ("projectId", "fileName")
                DO UPDATE SET "baseBlobOid" = excluded."baseBlobOid", "deletedAt" = excluded."deletedAt",
                "deletedBy" = excluded."deletedBy")";
    }));
    return Status::Ok();
  });
}

Result<std::vector<DocTombstone>> SqlTransaction::ListTombstones(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<DocTombstone>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    const std::string& sql = PerDialect(dialect_, [](Dialect d) {
      return "SELECT " + TombstoneColumns() + R"( FROM "DocTombstone" WHERE "projectId" = :p )" +
             OrderByFileName(d);
    });
    return Collect<TombstoneRow>(channel_, sql, [&](Query& q) { q.Use(pid); });
  });
}

Result<std::optional<DocTombstone>> SqlTransaction::TakeTombstone(std::string_view project_id,
                                                                  std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Result<std::optional<DocTombstone>> {
    std::string pid(project_id), name(file_name);
    static const std::string sql = R"(DELETE FROM "DocTombstone" WHERE "projectId" = :p AND "fileName" = :f
                                      RETURNING )" + TombstoneColumns();
    auto rows = Collect<TombstoneRow>(channel_, sql, [&](Query& q) { q.Use(pid).Use(name); });
    if (!rows.empty()) return std::optional<DocTombstone>(std::move(rows.front()));
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    return std::optional<DocTombstone>();
  });
}

}  // namespace libsync::sql
