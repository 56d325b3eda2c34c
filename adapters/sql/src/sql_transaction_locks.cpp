// SqlTransaction: locks and fences.
//
// The lock row is read in two ways, both mapped by LockRow (rows.hpp):
// - LockProject on PostgreSQL: the project row FOR UPDATE and then the lock row, two
//   statements in one pipeline. READ COMMITTED gives each statement its own snapshot, so
//   the lock row is read after the project row lock was granted; one statement with a
//   join would read the lock row as it was before waiting, and two writers could both
//   see the project unlocked.
// - Everywhere else (LockProject on SQLite, whose BEGIN IMMEDIATE already holds the
//   database; ReadLock): one join of the project and its lock, which also tells a
//   missing project from a missing lock.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

Status SqlTransaction::LockProject(std::string_view id) {
  Result<std::optional<Lock>> lock =
      dialect_ == Dialect::kPostgres ? LockProjectRowPostgres(id) : ReadLockRow(id, /*keep_counters=*/true);
  if (!lock) return lock.error();
  cached_lock_project_ = std::string(id);
  cached_lock_ = std::move(lock).value();
  // PostgreSQL: FOR UPDATE holds the row; SQLite: BEGIN IMMEDIATE holds the database.
  if (mode_ == TxMode::kWrite) locked_project_ = std::string(id);
  return Status::Ok();
}

Result<std::optional<Lock>> SqlTransaction::LockProjectRowPostgres(std::string_view id) {
  return Guard([&]() -> Result<std::optional<Lock>> {
    static const std::string lock_project =
        R"(SELECT "lockFence", "eventSeq" FROM "Project" WHERE "id" = :p FOR UPDATE)";
    static const std::string read_lock = "SELECT " + LockColumns() + R"( FROM "Lock" WHERE "projectId" = :p)";
    std::string key(id);
    long long fence = 0, seq = 0;
    Query project(channel_);
    project.Into(fence).Into(seq).Use(key);
    LockRow row;
    Query lock(channel_);
    row.Bind(lock);
    lock.Use(key);
    // Whatever is still queued (at least the BEGIN) rides along in the same round trip.
    const auto [exists, locked] = Query::RunTogether(project, lock_project, lock, read_lock);
    if (!exists) return ProjectNotFound(id);
    locked_fence_ = fence;
    locked_seq_ = seq;
    if (!locked) return std::optional<Lock>();
    return std::optional<Lock>(std::move(row).Get());
  });
}

Result<std::optional<Lock>> SqlTransaction::ReadLockRow(std::string_view project_id, bool keep_counters) {
  return Guard([&]() -> Result<std::optional<Lock>> {
    static const std::string sql = "SELECT " + JoinedLockColumns() +
                                   R"(, p."lockFence", p."eventSeq" FROM "Project" p )"
                                   R"(LEFT JOIN "Lock" l ON l."projectId" = p."id" WHERE p."id" = :p)";
    std::string pid(project_id);
    LockRow row;
    long long fence_counter = 0, seq_counter = 0;
    Query q(channel_);
    row.Bind(q);
    q.Into(fence_counter).Into(seq_counter).Use(pid);
    if (!q.Run(sql)) return ProjectNotFound(project_id);
    if (keep_counters) {
      locked_fence_ = fence_counter;
      locked_seq_ = seq_counter;
    }
    if (row.id.empty()) return std::optional<Lock>();
    return std::optional<Lock>(std::move(row).Get());
  });
}

Status SqlTransaction::ReadLock(std::string_view project_id, FunctionRef<Status(const Lock*)> read) {
  if (cached_lock_project_.empty() || cached_lock_project_ != project_id) {
    LIBSYNC_ASSIGN_OR_RETURN(const std::optional<Lock> row, ReadLockRow(project_id, /*keep_counters=*/false));
    return read(row ? &*row : nullptr);
  }
  return read(cached_lock_ ? &*cached_lock_ : nullptr);
}

Status SqlTransaction::PutLock(const Lock& l) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Catch([&]() -> Status {
    Lock v = l;
    long long fence = v.fence;
    std::string locked = FormatTimestamp(v.locked_at), expires = FormatTimestamp(v.expires_at);
    // Nothing here needs an answer from the server: on PostgreSQL it goes out with the
    // next read or the commit, as part of the event's statement when the project is held.
    const std::string& sql = PerDialect(dialect_, [](Dialect d) {
      return R"(INSERT INTO "Lock" ("id", "projectId", "lockedBy", "lockedAt", "expiresAt", "reason", "tokenHash",
                "fence") VALUES (:i, :p, :b, )" + TimeParam(d, ":la") + ", " + TimeParam(d, ":ea") +
             R"(, :r, :t, :f) ON CONFLICT ("projectId") DO UPDATE SET "id" = excluded."id",
                "lockedBy" = excluded."lockedBy", "lockedAt" = excluded."lockedAt",
                "expiresAt" = excluded."expiresAt", "reason" = excluded."reason",
                "tokenHash" = excluded."tokenHash", "fence" = excluded."fence")";
    });
    if (dialect_ == Dialect::kPostgres && HoldsProjectRow(l.project_id)) {
      HoldWrite(sql, {v.id, v.project_id, v.locked_by, locked, expires, v.reason, v.token_hash, std::to_string(fence)});
    } else {
      FlushHeldWrite();
      Query q(channel_);
      q.Use(v.id).Use(v.project_id).Use(v.locked_by).Use(locked).Use(expires).Use(v.reason).Use(v.token_hash)
          .Use(fence);
      q.Queue(sql);
    }
    cached_lock_project_ = l.project_id;
    cached_lock_ = l;
    return Status::Ok();
  });
}

Status SqlTransaction::DeleteLock(std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Catch([&]() -> Status {
    std::string pid(project_id);
    static const std::string sql = R"(DELETE FROM "Lock" WHERE "projectId" = :p)";
    if (dialect_ == Dialect::kPostgres && HoldsProjectRow(project_id)) {
      HoldWrite(sql, {pid});
    } else {
      FlushHeldWrite();
      Query q(channel_);
      q.Use(pid);
      q.Queue(sql);
    }
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
      return ProjectNotFound(project_id);
    }
    return static_cast<std::int64_t>(fence);
  });
}

Result<std::vector<Lock>> SqlTransaction::ListExpiredLocks(Timestamp now) {
  return Guard([&]() -> Result<std::vector<Lock>> {
    std::string at = FormatTimestamp(now);
    static const std::string sql = "SELECT " + LockColumns() + R"( FROM "Lock" WHERE "expiresAt" <= :n)";
    return Collect<LockRow>(channel_, sql, [&](Query& q) { q.Use(at); });
  });
}

}  // namespace libsync::sql
