#include "import_rows_by_hand.hpp"

#include <chrono>

#include "bench_fail.hpp"
#include "connection.hpp"
#include "dialect.hpp"
#include "libsync/credentials.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/random.hpp"
#include "libsync/timestamp.hpp"
#include "sqlite_statement.hpp"

namespace libsync::bench {
namespace {

void Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Fail(std::string(sql) + ": " + sqlite3_errmsg(db));
}

}  // namespace

double WriteImportRowsByHand(const std::string& url, const std::string& project_id,
                             const std::vector<ImportedFile>& files, ImportRows rows) {
  const bool all = rows == ImportRows::kAll;
  auto target = sql::ParseUrl(url);
  if (!target) Fail(target.error().ToString());
  sql::Connection connection = sql::OpenConnection(*target, sql::SqlStoreOptions{.url = url});
  sqlite3* db = connection.sqlite.get();
  // The store copies a large commit's WAL into the database file on a thread of its own,
  // after the commit (sqlite_checkpointer.hpp); SQLite's default would do it in COMMIT.
  Exec(db, "PRAGMA wal_autocheckpoint=0");

  // Everything but the database's work is done before the clock starts.
  const auto n = static_cast<long long>(files.size());
  const std::string project = project_id, author = "git:main", source = "git", updated = "doc:updated",
                    completed = "sync:completed", ok = "ok", commit(40, 'c'), mark = commit + " 0123456789abcdef";
  const std::string now = FormatTimestamp(SystemClock().Now());
  std::vector<std::string> doc_ids, version_ids, payloads;
  std::string imported;
  for (const ImportedFile& f : files) {
    doc_ids.push_back(NewId(SystemClock().Now(), SystemRandom()));
    version_ids.push_back(NewId(SystemClock().Now(), SystemRandom()));
    payloads.push_back(R"({"fileName":")" + f.file_name + R"(","version":1,"hash":")" + f.hash +
                       R"(","updatedBy":"git:main","source":"git","created":true})");
    imported += (imported.empty() ? "\"" : ",\"") + f.file_name + "\"";
  }
  const std::string summary = R"({"direction":"import","commit":")" + commit + R"(","imported":[)" + imported +
                              R"(],"updated":[],"deleted":[],"conflicts":0})";
  SqliteStatement docs(db, R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt",
      "updatedAt", "baseBlobOid", "updatedBy", "blobOid") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?))");
  SqliteStatement versions(db, R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "hash",
      "author", "source", "createdAt", "blobOid") VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?))");
  SqliteStatement events(db, R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
      VALUES (?, ?, ?, ?, ?))");
  // What RecordImport writes, with the counter of the events above.
  SqliteStatement record(db, R"(UPDATE "Project" SET "eventSeq" = ?, "updatedAt" = ?, "lastSyncedCommit" = ?,
      "syncedAt" = ?, "lastImportAt" = ?, "lastImportCommit" = ?, "lastImportResult" = ?, "cleanSyncMark" = ?
      WHERE "id" = ?)");
  SqliteStatement clear_conflicts(db, R"(DELETE FROM "SyncConflict" WHERE "projectId" = ?)");
  SqliteStatement count(db, R"(SELECT COUNT(*) FROM "Doc" WHERE "projectId" = ?)");
  SqliteStatement event_seq(db, R"(SELECT "eventSeq" FROM "Project" WHERE "id" = ?)");
  if (count.Text(project).Run().Number() != 0) Fail("the project has docs already");
  const long long first_seq = event_seq.Text(project).Run().Number() + 1;

  const auto start = std::chrono::steady_clock::now();
  Exec(db, sql::BeginStatement(sql::Dialect::kSqlite, TxMode::kWrite));  // the store's own
  for (std::size_t i = 0; i < files.size(); ++i) {
    const ImportedFile& f = files[i];
    docs.Text(doc_ids[i]).Text(project).Text(f.file_name).Text(f.content).Text(f.hash).Text(now).Text(now)
        .Text(f.blob_id).Text(author).Text(f.blob_id).Run();
    if (!all) continue;
    versions.Text(version_ids[i]).Text(doc_ids[i]).Text(project).Text(f.file_name).Text(f.hash).Text(author)
        .Text(source).Text(now).Text(f.blob_id).Run();
  }
  if (all) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      events.Text(project).Number(first_seq + static_cast<long long>(i)).Text(updated).Text(payloads[i]).Text(now)
          .Run();
    }
    record.Number(first_seq + n).Text(now).Text(commit).Text(now).Text(now).Text(commit).Text(ok).Text(mark)
        .Text(project).Run();
    clear_conflicts.Text(project).Run();
    events.Text(project).Number(first_seq + n).Text(completed).Text(summary).Text(now).Run();
  }
  Exec(db, "COMMIT");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The baseline did the work it is timed for: every row, every text, every event in turn.
  std::size_t bytes = 0;
  for (const ImportedFile& f : files) bytes += f.content.size();
  SqliteStatement texts(db, R"(SELECT SUM(LENGTH(CAST("content" AS BLOB))) FROM "Doc" WHERE "projectId" = ?)");
  SqliteStatement first_versions(db, R"(SELECT COUNT(*) FROM "DocVersion" WHERE "projectId" = ? AND "content" IS NULL)");
  SqliteStatement doc_events(db, R"(SELECT COUNT(*) FROM "Event" WHERE "projectId" = ?1 AND "type" = 'doc:updated'
      AND "seq" BETWEEN ?2 AND ?3)");
  SqliteStatement summaries(db, R"(SELECT COUNT(*) FROM "Event" WHERE "projectId" = ? AND "type" = 'sync:completed')");
  const long long expected_events = all ? n : 0;
  if (count.Text(project).Run().Number() != n) Fail("not every doc row is there");
  if (texts.Text(project).Run().Number() != static_cast<long long>(bytes)) Fail("not every text is there");
  if (first_versions.Text(project).Run().Number() != expected_events) Fail("not every first version is there");
  if (doc_events.Text(project).Number(first_seq).Number(first_seq + n - 1).Run().Number() != expected_events) {
    Fail("not every doc:updated event is there, numbered after the project's last");
  }
  if (summaries.Text(project).Run().Number() != (all ? 1 : 0)) Fail("the sync:completed event is not there");
  if (event_seq.Text(project).Run().Number() != first_seq - 1 + (all ? n + 1 : 0)) {
    Fail("the project's event counter is off");
  }
  return seconds;
}

}  // namespace libsync::bench
