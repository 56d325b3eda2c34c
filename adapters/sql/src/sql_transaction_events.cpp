// SqlTransaction: the event log.

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

Result<std::int64_t> SqlTransaction::AppendEvent(std::string_view project_id, std::string_view type,
                                                 std::string_view payload, Timestamp at) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  // With the project row held, nothing here needs an answer from the server: defer it all.
  auto run = [&]() -> Result<std::int64_t> {
    long long seq = 0;
    std::string pid(project_id), kind(type), body(payload), created = FormatTimestamp(at);
    if (HoldsProjectRow(project_id) && dialect_ == Dialect::kPostgres) {
      // One statement instead of up to three: the write held for it (the lock row, the
      // doc's new version), the held row's counters written back, and the event inserted.
      static const std::string event = R"(counters AS (UPDATE "Project" SET "lockFence" = :f, "eventSeq" = :s
                                                         WHERE "id" = :p)
          INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
          VALUES (:p, CAST(:s AS BIGINT), :t, :d, CAST(:c AS TIMESTAMP(3))))";
      seq = ++locked_seq_;
      long long fence = locked_fence_;
      std::optional<HeldWrite> write = std::move(held_write_);
      held_write_.reset();
      Query insert(channel_);
      if (write) {
        for (std::string& value : write->values) insert.Use(value);
      }
      insert.Use(fence).Use(seq).Use(pid).Use(pid).Use(seq).Use(kind).Use(body).Use(created);
      insert.Queue(write ? "WITH held AS (" + write->sql + "), " + event : "WITH " + event);
      counters_dirty_ = false;
    } else if (HoldsProjectRow(project_id)) {
      seq = ++locked_seq_;
      counters_dirty_ = true;
      Query insert(channel_);
      insert.Use(pid).Use(seq).Use(kind).Use(body).Use(created);
      insert.Queue(PerDialect(dialect_, [](Dialect d) {
        return R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt") VALUES (:p, :s, :t, :d, )" +
               TimeParam(d, ":c") + ")";
      }));
    } else if (dialect_ == Dialect::kPostgres) {
      // One round trip: take the next seq and insert the event with it.
      Query q(channel_);
      q.Into(seq).Use(pid).Use(kind).Use(body).Use(created);
      if (!q.Run(R"(WITH next AS (UPDATE "Project" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = :p
                                   RETURNING "id", "eventSeq")
                    INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
                    SELECT "id", "eventSeq", :t, :d, CAST(:c AS TIMESTAMP(3)) FROM next RETURNING "seq")")) {
        return ProjectNotFound(project_id);
      }
    } else {
      // SQLite: two kept statements, no network to save.
      Query q(channel_);
      q.Into(seq).Use(pid);
      if (!q.Run(R"(UPDATE "Project" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = :p RETURNING "eventSeq")")) {
        return ProjectNotFound(project_id);
      }
      Query insert(channel_);
      insert.Use(pid).Use(seq).Use(kind).Use(body).Use(created);
      insert.Run(R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt") VALUES (:p, :s, :t, :d, :c))");
    }
    // Other servers on the same PostgreSQL database hear of the event once this
    // transaction commits, from the store's notifier (pg_event_notifier.hpp); a NOTIFY
    // in here would queue every writer's commit on the database's notification lock.
    if (dialect_ == Dialect::kPostgres) NoteAppended(pid, seq);
    // Retention: the log keeps the newest events. Trimming every 64th append keeps the
    // log within retention + 64 events at a fraction of the cost.
    const long long horizon = seq - static_cast<long long>(event_retention_);
    if (horizon > 0 && seq % 64 == 0) {
      long long upto = horizon;
      Query trim(channel_);
      trim.Use(pid).Use(upto);
      trim.Queue(R"(DELETE FROM "Event" WHERE "projectId" = :p AND "seq" <= :s)");
    }
    return std::int64_t{seq};
  };
  return HoldsProjectRow(project_id) ? Catch(run) : Guard(run);
}

Result<EventPage> SqlTransaction::ReadEvents(std::string_view project_id, std::int64_t after_seq, std::size_t limit) {
  return Guard([&]() -> Result<EventPage> {
    std::string pid(project_id);
    long long head = 0, oldest = 0;
    Query h(channel_);
    h.Into(head).Use(pid);
    if (!h.Run(R"(SELECT "eventSeq" FROM "Project" WHERE "id" = :p)")) return ProjectNotFound(project_id);
    Query o(channel_);
    o.Into(oldest).Use(pid);
    o.Run(R"(SELECT COALESCE(MIN("seq"), 0) FROM "Event" WHERE "projectId" = :p)");
    EventPage page;
    page.head_seq = head;
    page.oldest_seq = oldest == 0 ? head + 1 : oldest;
    long long after = after_seq, max_rows = static_cast<long long>(limit);
    static const std::string sql = "SELECT " + EventColumns() +
                                   R"( FROM "Event" WHERE "projectId" = :p AND "seq" > :a ORDER BY "seq" LIMIT :l)";
    EventRow row;
    Query q(channel_);
    row.Bind(q);
    q.Use(pid).Use(after).Use(max_rows);
    for (bool more = q.Run(sql); more; more = q.Next()) page.events.push_back(std::move(row).Get(pid));
    return page;
  });
}

}  // namespace libsync::sql
