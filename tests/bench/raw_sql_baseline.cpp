#include "raw_sql_baseline.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <optional>

#include "connection.hpp"
#include "database_url.hpp"
#include "dialect.hpp"
#include "libsync/credentials.hpp"
#include "libsync/hashing.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/random.hpp"
#include "libsync/timestamp.hpp"
#include "sqlite_statement.hpp"
#include "statement_outcome.hpp"

namespace libsync::bench {

namespace {

// The statements, with `{n}` for parameter n and `{tn}` for a timestamp parameter: each
// backend writes its own placeholder. They name the columns the store writes.
enum Statement {
  kBegin,
  kCommit,
  // kMinimal: the classic hand-written lease and versioned update.
  kTakeLock,
  kDropLock,
  kUpdateDoc,
  kInsertVersion,
  // kSameRows: what the store must also write (docs/semantics.md).
  kNextFenceAndSeq,
  kTakeFencedLock,
  kNextSeq,
  kAppendEvent,
  kUpdateUnlockedDoc,
  kInsertVersionWithBlob,
  kStatements
};

constexpr const char* kText[kStatements] = {
    nullptr,  // the store's own BEGIN, per dialect
    "COMMIT",
    R"(INSERT INTO "Lock" ("id", "projectId", "lockedBy", "lockedAt", "expiresAt", "tokenHash")
       VALUES ({1}, {2}, 'bench', {t3}, {t4}, {5}) ON CONFLICT ("projectId") DO UPDATE
       SET "id" = excluded."id", "lockedAt" = excluded."lockedAt", "expiresAt" = excluded."expiresAt",
           "tokenHash" = excluded."tokenHash" WHERE "Lock"."expiresAt" <= excluded."lockedAt")",
    R"(DELETE FROM "Lock" WHERE "projectId" = {1} AND "tokenHash" = {2})",
    R"(UPDATE "Doc" SET "content" = {1}, "hash" = {2}, "version" = "version" + 1, "updatedAt" = {t3}
       WHERE "id" = {4} RETURNING "version")",
    R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content", "hash",
       "author", "source", "createdAt") VALUES ({1}, {2}, {3}, 'overview.md', {4}, {5}, {6}, 'bench', 'api', {t7}))",
    // Also takes the project row, so acquirers of one project queue here, as in the store.
    R"(UPDATE "Project" SET "lockFence" = "lockFence" + 1, "eventSeq" = "eventSeq" + 1 WHERE "id" = {1}
       RETURNING "lockFence", "eventSeq")",
    R"(INSERT INTO "Lock" ("id", "projectId", "lockedBy", "lockedAt", "expiresAt", "reason", "tokenHash", "fence")
       VALUES ({1}, {2}, 'bench', {t3}, {t4}, '', {5}, {6}) ON CONFLICT ("projectId") DO UPDATE
       SET "id" = excluded."id", "lockedBy" = excluded."lockedBy", "lockedAt" = excluded."lockedAt",
           "expiresAt" = excluded."expiresAt", "reason" = excluded."reason", "tokenHash" = excluded."tokenHash",
           "fence" = excluded."fence" WHERE "Lock"."expiresAt" <= excluded."lockedAt")",
    R"(UPDATE "Project" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = {1} RETURNING "eventSeq")",
    R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt") VALUES ({1}, {2}, {3}, {4}, {t5}))",
    // Run after kNextSeq holds the project row: a lock granted meanwhile has committed and
    // is seen by this statement's snapshot.
    R"(UPDATE "Doc" SET "content" = {1}, "hash" = {2}, "version" = "version" + 1, "updatedAt" = {t3},
       "updatedBy" = 'bench', "blobOid" = {5} WHERE "id" = {4}
       AND NOT EXISTS (SELECT 1 FROM "Lock" WHERE "projectId" = {6} AND "expiresAt" > {t3}) RETURNING "version")",
    R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content", "hash",
       "author", "source", "createdAt", "blobOid")
       VALUES ({1}, {2}, {3}, 'overview.md', {4}, {5}, {6}, 'bench', 'api', {t7}, {8}))",
};

// `text` with each `{n}` replaced by `param(n, false)`, and `{tn}` by `param(n, true)`.
template <class Param>
std::string WithParams(const char* text, Param&& param) {
  std::string out;
  for (const char* p = text; *p; ++p) {
    if (*p == '{') {
      const bool time = p[1] == 't';
      out += param(std::atoi(p + (time ? 2 : 1)), time);
      while (*p != '}') ++p;
    } else {
      out += *p;
    }
  }
  return out;
}

// `$n` or `?n`. Appended rather than `"$" + ...`, which GCC 12 at -O3 misreports as an
// overlapping memcpy.
std::string Placeholder(char sigil, int n) {
  std::string out(1, sigil);
  out += std::to_string(n);
  return out;
}

struct Stamp {
  std::string now = FormatTimestamp(SystemClock().Now());
  std::string expires = FormatTimestamp(SystemClock().Now() + std::chrono::minutes(30));
};

using Params = std::initializer_list<const std::string*>;

/// One connection through its own driver, its statements prepared once.
class Driver {
 public:
  virtual ~Driver() = default;
  virtual StatementOutcome Run(Statement s, Params params) = 0;
  virtual std::string Text(const std::string& sql, const std::vector<std::string>& params) = 0;
  virtual std::string Settings() = 0;
  virtual std::string Param(int n) const = 0;
};

// ---------------------------------------------------------------- PostgreSQL (libpq)

class PgDriver final : public Driver {
 public:
  explicit PgDriver(sql::Connection connection) : connection_(std::move(connection)), conn_(connection_.pg.get()) {
    // As the store writes them (dialect.hpp): PostgreSQL cannot always infer a timestamp.
    const auto pg_param = [](int n, bool time) {
      std::string p = Placeholder('$', n);
      return time ? "CAST(" + p + " AS TIMESTAMP(3))" : p;
    };
    for (int s = 0; s < kStatements; ++s) {
      const std::string sql = s == kBegin ? sql::BeginStatement(sql::Dialect::kPostgres, TxMode::kWrite)
                                          : WithParams(kText[s], pg_param);
      Result r(PQprepare(conn_, Name(s).c_str(), sql.c_str(), 0, nullptr));
      Check(r.get(), "prepare " + sql);
    }
  }

  StatementOutcome Run(Statement s, Params params) override {
    const char* values[8] = {};
    int n = 0;
    for (const std::string* p : params) values[n++] = p->c_str();
    Result r(PQexecPrepared(conn_, Name(s).c_str(), n, values, nullptr, nullptr, 0));
    Check(r.get(), kText[s] ? kText[s] : "BEGIN");
    StatementOutcome out;
    out.changed = std::atoll(PQcmdTuples(r.get()));
    if (PQntuples(r.get()) > 0) {
      for (int c = 0; c < PQnfields(r.get()); ++c) out.row.emplace_back(PQgetvalue(r.get(), 0, c));
    }
    return out;
  }

  std::string Text(const std::string& sql, const std::vector<std::string>& params) override {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0));
    Check(r.get(), sql);
    if (PQntuples(r.get()) < 1) Fail("no row from: " + sql);
    return PQgetvalue(r.get(), 0, 0);
  }

  std::string Settings() override {
    return "fsync=" + Text("SHOW fsync", {}) + " synchronous_commit=" + Text("SHOW synchronous_commit", {}) +
           " wal_level=" + Text("SHOW wal_level", {}) + " full_page_writes=" + Text("SHOW full_page_writes", {}) +
           ", transactions: " + sql::BeginStatement(sql::Dialect::kPostgres, TxMode::kWrite);
  }

  std::string Param(int n) const override { return Placeholder('$', n); }

 private:
  struct Clear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  using Result = std::unique_ptr<PGresult, Clear>;

  static std::string Name(int s) { return "raw" + std::to_string(s); }
  void Check(const PGresult* r, const std::string& what) {
    const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) Fail(what + ": " + PQerrorMessage(conn_));
  }

  sql::Connection connection_;
  PGconn* conn_;
};

// ---------------------------------------------------------------- SQLite (C API)

class SqliteDriver final : public Driver {
 public:
  explicit SqliteDriver(sql::Connection connection)
      : connection_(std::move(connection)), db_(connection_.sqlite.get()) {
    const auto param = [](int n, bool) { return Placeholder('?', n); };
    for (int s = 0; s < kStatements; ++s) {
      statements_[s].emplace(db_, s == kBegin ? sql::BeginStatement(sql::Dialect::kSqlite, TxMode::kWrite)
                                              : WithParams(kText[s], param));
    }
  }

  StatementOutcome Run(Statement statement, Params params) override {
    SqliteStatement& s = *statements_[statement];
    for (const std::string* p : params) s.Text(*p);
    return s.Run();
  }

  std::string Text(const std::string& sql, const std::vector<std::string>& params) override {
    SqliteStatement s(db_, sql);
    for (const std::string& p : params) s.Text(p);
    StatementOutcome ran = s.Run();
    if (ran.row.empty()) Fail("no row from: " + sql);
    return ran.row.front();
  }

  std::string Settings() override {
    static const char* kSynchronous[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
    const long long sync = std::atoll(Text("PRAGMA synchronous", {}).c_str());
    return "journal_mode=" + Text("PRAGMA journal_mode", {}) +
           " synchronous=" + (sync >= 0 && sync < 4 ? kSynchronous[sync] : std::to_string(sync)) +
           " foreign_keys=" + Text("PRAGMA foreign_keys", {}) +
           ", transactions: " + sql::BeginStatement(sql::Dialect::kSqlite, TxMode::kWrite);
  }

  std::string Param(int n) const override { return Placeholder('?', n); }

 private:
  sql::Connection connection_;
  sqlite3* db_;
  std::optional<SqliteStatement> statements_[kStatements];
};

// ---------------------------------------------------------------- the operations

/// The two operations written once over either driver, each statement as plain client
/// code sends it (one round trip each on PostgreSQL, no pipelining).
class RawBaseline final : public RawSql {
 public:
  RawBaseline(std::unique_ptr<Driver> driver, RawWork work) : driver_(std::move(driver)), work_(work) {}

  void TakeLock(const std::string& project_id, const std::string& token_hash) override {
    const Stamp at;
    const std::string id = NewId(SystemClock().Now(), SystemRandom());
    driver_->Run(kBegin, {});
    if (work_ == RawWork::kMinimal) {
      RequireOne(driver_->Run(kTakeLock, {&id, &project_id, &at.now, &at.expires, &token_hash}), "lock upsert");
    } else {
      const StatementOutcome counters = driver_->Run(kNextFenceAndSeq, {&project_id});
      if (counters.row.size() != 2) Fail("raw fence: no project row");
      const std::string& fence = counters.row[0];
      RequireOne(driver_->Run(kTakeFencedLock, {&id, &project_id, &at.now, &at.expires, &token_hash, &fence}),
                 "lock upsert");
      const std::string payload = R"({"lockedBy":"bench","lockedAt":")" + at.now + R"(","expiresAt":")" +
                                  at.expires + R"(","reason":"","fence":)" + fence + "}";
      AppendEvent(project_id, counters.row[1], "lock:acquired", payload, at.now);
    }
    driver_->Run(kCommit, {});
  }

  void DropLock(const std::string& project_id, const std::string& token_hash) override {
    driver_->Run(kBegin, {});
    RequireOne(driver_->Run(kDropLock, {&project_id, &token_hash}), "lock delete");
    if (work_ == RawWork::kSameRows) {
      const std::string now = FormatTimestamp(SystemClock().Now());
      AppendEvent(project_id, NextSeq(project_id), "lock:released", R"({"lockedBy":"bench","reason":""})", now);
    }
    driver_->Run(kCommit, {});
  }

  long long PutDoc(const std::string& doc_id, const std::string& project_id, const std::string& content) override {
    const std::string hash = Sha256Hex(content), now = FormatTimestamp(SystemClock().Now());
    const std::string version_id = NewId(SystemClock().Now(), SystemRandom());
    driver_->Run(kBegin, {});
    std::string version;
    if (work_ == RawWork::kMinimal) {
      version = Single(driver_->Run(kUpdateDoc, {&content, &hash, &now, &doc_id}), "doc update");
      RequireOne(driver_->Run(kInsertVersion, {&version_id, &doc_id, &project_id, &version, &content, &hash, &now}),
                 "doc history insert");
    } else {
      const std::string seq = NextSeq(project_id);
      const std::string blob = GitBlobId(content);
      version = Single(driver_->Run(kUpdateUnlockedDoc, {&content, &hash, &now, &doc_id, &blob, &project_id}),
                       "doc update");
      RequireOne(driver_->Run(kInsertVersionWithBlob,
                              {&version_id, &doc_id, &project_id, &version, &content, &hash, &now, &blob}),
                 "doc history insert");
      const std::string payload = R"({"fileName":"overview.md","version":)" + version + R"(,"hash":")" + hash +
                                  R"(","updatedBy":"bench","source":"api","created":false})";
      AppendEvent(project_id, seq, "doc:updated", payload, now);
    }
    driver_->Run(kCommit, {});
    return std::atoll(version.c_str());
  }

  long long Number(const std::string& sql, const std::vector<std::string>& params) override {
    return std::atoll(driver_->Text(sql, params).c_str());
  }
  std::string Text(const std::string& sql, const std::vector<std::string>& params) override {
    return driver_->Text(sql, params);
  }
  std::string Settings() override { return driver_->Settings(); }
  std::string Param(int n) const override { return driver_->Param(n); }

 private:
  std::string NextSeq(const std::string& project_id) {
    return Single(driver_->Run(kNextSeq, {&project_id}), "event seq");
  }
  void AppendEvent(const std::string& project_id, const std::string& seq, const std::string& type,
                   const std::string& payload, const std::string& at) {
    RequireOne(driver_->Run(kAppendEvent, {&project_id, &seq, &type, &payload, &at}), "event insert");
  }
  static void RequireOne(const StatementOutcome& o, const char* what) {
    if (o.changed != 1) Fail(std::string("raw ") + what + " changed " + std::to_string(o.changed) + " rows, not 1");
  }
  /// The one value of a statement that changed one row and returned it.
  static std::string Single(const StatementOutcome& o, const char* what) {
    if (o.changed != 1 || o.row.empty()) {
      Fail(std::string("raw ") + what + " changed " + std::to_string(o.changed) + " rows, not 1");
    }
    return o.row[0];
  }

  std::unique_ptr<Driver> driver_;
  RawWork work_;
};

}  // namespace

std::unique_ptr<RawSql> OpenRawSql(const std::string& url, RawWork work) {
  auto target = sql::ParseUrl(url);
  if (!target) Fail(target.error().ToString());
  // The store's own defaults (the benchmark opens the store with them too).
  sql::Connection connection = sql::OpenConnection(*target, sql::SqlStoreOptions{.url = url});
  std::unique_ptr<Driver> driver;
  if (target->dialect == sql::Dialect::kPostgres) {
    driver = std::make_unique<PgDriver>(std::move(connection));
  } else {
    driver = std::make_unique<SqliteDriver>(std::move(connection));
  }
  return std::make_unique<RawBaseline>(std::move(driver), work);
}

}  // namespace libsync::bench
