#include "import_rows_by_hand.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "connection.hpp"
#include "libsync/credentials.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/random.hpp"
#include "libsync/timestamp.hpp"

namespace libsync::bench {
namespace {

[[noreturn]] void Fail(sqlite3* db, const std::string& what) {
  std::fprintf(stderr, "FAILED: rows by hand: %s: %s\n", what.c_str(), sqlite3_errmsg(db));
  std::exit(1);
}

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
    long long out = 0;
    int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) {
      out = sqlite3_column_int64(statement_, 0);
      rc = sqlite3_step(statement_);
    }
    if (rc != SQLITE_DONE) Fail(db_, sqlite3_sql(statement_));
    sqlite3_reset(statement_);
    bound_ = 0;
    return out;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  int bound_ = 0;
};

}  // namespace

double WriteImportRowsByHand(const std::string& url, const std::string& project_id,
                             const std::vector<ImportedFile>& files, ImportRows rows) {
  const bool all = rows == ImportRows::kAll;
  auto target = sql::ParseUrl(url);
  if (!target) {
    std::fprintf(stderr, "FAILED: %s\n", target.error().ToString().c_str());
    std::exit(1);
  }
  sql::Connection connection = sql::OpenConnection(*target, sql::SqlStoreOptions{.url = url});
  sqlite3* db = connection.sqlite.get();
  // The store copies its WAL into the database file on a thread of its own, never in a
  // writer's commit (sqlite_checkpointer.hpp); SQLite's default would checkpoint here.
  Exec(db, "PRAGMA wal_autocheckpoint=0");

  // Everything but the database's work is done before the clock starts.
  const std::string project = project_id, author = "git:main", source = "git", type = "doc:updated";
  const std::string now = FormatTimestamp(SystemClock().Now());
  std::vector<std::string> doc_ids, version_ids, payloads;
  for (const ImportedFile& f : files) {
    doc_ids.push_back(NewId(SystemClock().Now(), SystemRandom()));
    version_ids.push_back(NewId(SystemClock().Now(), SystemRandom()));
    payloads.push_back(R"({"fileName":")" + f.file_name + R"(","version":1,"hash":")" + f.hash +
                       R"(","updatedBy":"git:main","source":"git","created":true})");
  }
  Statement docs(db, R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt",
      "updatedAt", "baseBlobOid", "updatedBy", "blobOid") VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?))");
  Statement versions(db, R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "hash",
      "author", "source", "createdAt", "blobOid") VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?))");
  Statement events(db, R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
      VALUES (?, ?, ?, ?, ?))");
  Statement counter(db, R"(UPDATE "Project" SET "eventSeq" = "eventSeq" + ? WHERE "id" = ? RETURNING "eventSeq")");
  Statement count(db, R"(SELECT COUNT(*) FROM "Doc" WHERE "projectId" = ?)");
  if (count.Text(project).Run() != 0) Fail(db, "the project has docs already");

  const auto start = std::chrono::steady_clock::now();
  Exec(db, "BEGIN IMMEDIATE");
  for (std::size_t i = 0; i < files.size(); ++i) {
    const ImportedFile& f = files[i];
    docs.Text(doc_ids[i]).Text(project).Text(f.file_name).Text(f.content).Text(f.hash).Text(now).Text(now)
        .Text(f.blob_id).Text(author).Text(f.blob_id).Run();
    if (!all) continue;
    versions.Text(version_ids[i]).Text(doc_ids[i]).Text(project).Text(f.file_name).Text(f.hash).Text(author)
        .Text(source).Text(now).Text(f.blob_id).Run();
  }
  const long long last_seq = all ? counter.Number(static_cast<long long>(files.size())).Text(project).Run() : 0;
  for (std::size_t i = 0; all && i < files.size(); ++i) {
    events.Text(project).Number(last_seq - static_cast<long long>(files.size() - 1 - i)).Text(type).Text(payloads[i])
        .Text(now).Run();
  }
  Exec(db, "COMMIT");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The baseline did the work it is timed for: every row, every text.
  std::size_t bytes = 0;
  for (const ImportedFile& f : files) bytes += f.content.size();
  Statement texts(db, R"(SELECT SUM(LENGTH(CAST("content" AS BLOB))) FROM "Doc" WHERE "projectId" = ?)");
  Statement others(db, R"(SELECT (SELECT COUNT(*) FROM "DocVersion" WHERE "projectId" = ?1 AND "content" IS NULL)
      + (SELECT COUNT(*) FROM "Event" WHERE "projectId" = ?1 AND "type" = 'doc:updated'))");
  if (count.Text(project).Run() != static_cast<long long>(files.size()) ||
      texts.Text(project).Run() != static_cast<long long>(bytes) ||
      others.Text(project).Run() != (all ? 2 * static_cast<long long>(files.size()) : 0)) {
    Fail(db, "the rows written by hand are not all there");
  }
  return seconds;
}

}  // namespace libsync::bench
