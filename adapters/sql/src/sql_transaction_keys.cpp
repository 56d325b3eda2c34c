// SqlTransaction: API keys.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

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
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "ApiKey" ("id", "projectId", "key", "name", "isActive", "createdAt", "scope",
                "prefix", "lastUsedAt", "lastPulledHash", "lastPulledAt")
                VALUES (:i, :p, :k, :n, (:a = 1), :c, :s, :x, )" +
             NullableTime(d, ":u") + ", :h, " + NullableTime(d, ":l") + ") ON CONFLICT DO NOTHING";
    }));
    if (q.Affected() == 0) return Status::PreconditionFailed("api key exists");
    return Status::Ok();
  });
}

Result<ApiKey> SqlTransaction::GetApiKey(std::string_view id) {
  static const std::string sql = "SELECT " + KeyColumns() + R"( FROM "ApiKey" WHERE "id" = :v)";
  return FindKey(sql, id);
}

Result<ApiKey> SqlTransaction::FindApiKeyByHash(std::string_view key_hash) {
  static const std::string sql = "SELECT " + KeyColumns() + R"( FROM "ApiKey" WHERE "key" = :v)";
  return FindKey(sql, key_hash);
}

Result<ApiKey> SqlTransaction::FindKey(const std::string& select, std::string_view value) {
  return Guard([&]() -> Result<ApiKey> {
    std::string wanted(value);
    auto rows = Collect<KeyRow>(channel_, select, [&](Query& q) { q.Use(wanted); });
    if (rows.empty()) return Status::NotFound("api key not found");
    return std::move(rows.front());
  });
}

Result<std::vector<ApiKey>> SqlTransaction::ListApiKeys(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<ApiKey>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    static const std::string sql =
        "SELECT " + KeyColumns() + R"( FROM "ApiKey" WHERE "projectId" = :p ORDER BY "createdAt", "id")";
    return Collect<KeyRow>(channel_, sql, [&](Query& q) { q.Use(pid); });
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
    q.Run(PerDialect(dialect_, [](Dialect d) {
      return R"(UPDATE "ApiKey" SET "name" = :n, "isActive" = (:a = 1), "scope" = :s, "lastUsedAt" = )" +
             NullableTime(d, ":u") + R"(, "lastPulledHash" = :h, "lastPulledAt" = )" + NullableTime(d, ":l") +
             R"( WHERE "id" = :i)";
    }));
    return q.Affected() == 0 ? Status::NotFound("api key not found") : Status::Ok();
  });
}

}  // namespace libsync::sql
