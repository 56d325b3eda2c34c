#include "import_rows_by_hand.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "connection.hpp"
#include "dialect.hpp"
#include "libsync/credentials.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/random.hpp"
#include "libsync/timestamp.hpp"

namespace libsync::bench {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "FAILED: rows by hand: %s\n", what.c_str());
  std::exit(1);
}

[[noreturn]] void Fail(sqlite3* db, const std::string& what) { Fail(what + ": " + sqlite3_errmsg(db)); }

void Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) Fail(db, sql);
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) != SQLITE_OK) Fail(db, sql);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Text(const std::string& value) {
    sqlite3_bind_text(statement_, ++bound_, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& Number(long long value) {
    sqlite3_bind_int64(statement_, ++bound_, value);
    return *this;
  }
  /// Runs it; the first column of its one row, if it has one.
  long long Run() {
    if (bound_ != sqlite3_bind_parameter_count(statement_)) Fail("values bound do not match " + Sql());
    long long out = 0;
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) {
      out = sqlite3_column_int64(statement_, 0);
      rc = sqlite3_step(statement_);
    }
    if (rc != SQLITE_DONE) Fail(db_, Sql());
    sqlite3_reset(statement_);
    bound_ = 0;
    return out;
  }

 private:
  std::string Sql() const { return sqlite3_sql(statement_); }

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  int bound_ = 0;
};

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
  Statement docs(db, R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt",
      "updatedAt", "baseBlobOid", "updatedBy", "blobOid") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?))");
  Statement versions(db, R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "hash",
      "author", "source", "createdAt", "blobOid") VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?))");
  Statement events(db, R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
      VALUES (?, ?, ?, ?, ?))");
  // What RecordImport writes, with the counter of the events above.
  Statement record(db, R"(UPDATE "Project" SET "eventSeq" = ?, "updatedAt" = ?, "lastSyncedCommit" = ?,
      "syncedAt" = ?, "lastImportAt" = ?, "lastImportCommit" = ?, "lastImportResult" = ?, "cleanSyncMark" = ?
      WHERE "id" = ?)");
  Statement clear_conflicts(db, R"(DELETE FROM "SyncConflict" WHERE "projectId" = ?)");
  Statement count(db, R"(SELECT COUNT(*) FROM "Doc" WHERE "projectId" = ?)");
  Statement event_seq(db, R"(SELECT "eventSeq" FROM "Project" WHERE "id" = ?)");
  if (count.Text(project).Run() != 0) Fail("the project has docs already");
  const long long first_seq = event_seq.Text(project).Run() + 1;

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
  Statement texts(db, R"(SELECT SUM(LENGTH(CAST("content" AS BLOB))) FROM "Doc" WHERE "projectId" = ?)");
  Statement first_versions(db, R"(SELECT COUNT(*) FROM "DocVersion" WHERE "projectId" = ? AND "content" IS NULL)");
  Statement doc_events(db, R"(SELECT COUNT(*) FROM "Event" WHERE "projectId" = ?1 AND "type" = 'doc:updated'
      AND "seq" BETWEEN ?2 AND ?3)");
  Statement summaries(db, R"(SELECT COUNT(*) FROM "Event" WHERE "projectId" = ? AND "type" = 'sync:completed')");
  const long long expected_events = all ? n : 0;
  if (count.Text(project).Run() != n) Fail("not every doc row is there");
  if (texts.Text(project).Run() != static_cast<long long>(bytes)) Fail("not every text is there");
  if (first_versions.Text(project).Run() != expected_events) Fail("not every first version is there");
  if (doc_events.Text(project).Number(first_seq).Number(first_seq + n - 1).Run() != expected_events) {
    Fail("not every doc:updated event is there, numbered after the project's last");
  }
  if (summaries.Text(project).Run() != (all ? 1 : 0)) Fail("the sync:completed event is not there");
  if (event_seq.Text(project).Run() != first_seq - 1 + (all ? n + 1 : 0)) Fail("the project's event counter is off");
  return seconds;
}

}  // namespace libsync::bench
