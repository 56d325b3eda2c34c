#include "raw_sql_baseline.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "connection.hpp"
#include "database_url.hpp"
#include "dialect.hpp"
#include "libsync/credentials.hpp"
#include "libsync/hashing.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/random.hpp"
#include "libsync/timestamp.hpp"

namespace libsync::bench {

void Fail(const std::string& what) {
  std::fprintf(stderr, "sql_store_bench: %s\n", what.c_str());
  std::exit(1);
}

namespace {

// The statements, with `{n}` for parameter n and `{tn}` for a timestamp parameter: each
// backend writes its own placeholder.
// They name the same columns the store writes, minus the ones it adds (fence, reason,
// blob ids, author of the row), as the classic hand-written lease and versioned update.
constexpr const char* kTakeLock =
    R"(INSERT INTO "Lock" ("id", "projectId", "lockedBy", "lockedAt", "expiresAt", "tokenHash")
       VALUES ({1}, {2}, 'bench', {t3}, {t4}, {5}) ON CONFLICT ("projectId") DO UPDATE
       SET "id" = excluded."id", "lockedAt" = excluded."lockedAt", "expiresAt" = excluded."expiresAt",
           "tokenHash" = excluded."tokenHash" WHERE "Lock"."expiresAt" <= excluded."lockedAt")";
constexpr const char* kDropLock = R"(DELETE FROM "Lock" WHERE "projectId" = {1} AND "tokenHash" = {2})";
constexpr const char* kUpdateDoc =
    R"(UPDATE "Doc" SET "content" = {1}, "hash" = {2}, "version" = "version" + 1, "updatedAt" = {t3}
       WHERE "id" = {4} RETURNING "version")";
constexpr const char* kInsertVersion =
    R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content", "hash",
       "author", "source", "createdAt") VALUES ({1}, {2}, {3}, 'overview.md', {4}, {5}, {6}, 'bench', 'api', {t7}))";

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

// ---------------------------------------------------------------- PostgreSQL (libpq)

class PgRaw final : public RawSql {
 public:
  explicit PgRaw(sql::Connection connection) : connection_(std::move(connection)), conn_(connection_.pg.get()) {
    // As the store writes them (dialect.hpp): PostgreSQL cannot always infer a timestamp.
    const auto pg_param = [](int n, bool time) {
      std::string p = Placeholder('$', n);
      return time ? "CAST(" + p + " AS TIMESTAMP(3))" : p;
    };
    Prepare("begin", sql::BeginStatement(sql::Dialect::kPostgres, TxMode::kWrite));
    Prepare("commit", "COMMIT");
    Prepare("take", WithParams(kTakeLock, pg_param));
    Prepare("drop", WithParams(kDropLock, pg_param));
    Prepare("update", WithParams(kUpdateDoc, pg_param));
    Prepare("version", WithParams(kInsertVersion, pg_param));
  }

  void TakeLock(const std::string& project_id, const std::string& token_hash) override {
    const Stamp at;
    const std::string id = NewId(SystemRandom());
    Exec("begin", {});
    RequireOne(Exec("take", {&id, &project_id, &at.now, &at.expires, &token_hash}), "lock upsert");
    Exec("commit", {});
  }

  void DropLock(const std::string& project_id, const std::string& token_hash) override {
    Exec("begin", {});
    RequireOne(Exec("drop", {&project_id, &token_hash}), "lock delete");
    Exec("commit", {});
  }

  long long PutDoc(const std::string& doc_id, const std::string& project_id, const std::string& content) override {
    const std::string hash = Sha256Hex(content), now = FormatTimestamp(SystemClock().Now());
    const std::string version_id = NewId(SystemRandom());
    Exec("begin", {});
    Result r = Exec("update", {&content, &hash, &now, &doc_id});
    if (PQntuples(r.get()) != 1) Fail("raw doc update changed " + std::to_string(PQntuples(r.get())) + " rows");
    const std::string version = PQgetvalue(r.get(), 0, 0);
    RequireOne(Exec("version", {&version_id, &doc_id, &project_id, &version, &content, &hash, &now}),
               "doc history insert");
    Exec("commit", {});
    return std::atoll(version.c_str());
  }

  long long Number(const std::string& sql, const std::vector<std::string>& params) override {
    return std::atoll(Text(sql, params).c_str());
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

  void Check(const PGresult* r, const std::string& what) {
    const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) Fail(what + ": " + PQerrorMessage(conn_));
  }
  void Prepare(const std::string& name, const std::string& sql) {
    Result r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    Check(r.get(), "prepare " + name);
  }
  Result Exec(const char* name, std::initializer_list<const std::string*> params) {
    const char* values[8] = {};
    int n = 0;
    for (const std::string* p : params) values[n++] = p->c_str();
    Result r(PQexecPrepared(conn_, name, n, values, nullptr, nullptr, 0));
    Check(r.get(), name);
    return r;
  }
  void RequireOne(const Result& r, const char* what) {
    const long long rows = std::atoll(PQcmdTuples(r.get()));
    if (rows != 1) Fail(std::string("raw ") + what + " changed " + std::to_string(rows) + " rows, not 1");
  }

  sql::Connection connection_;
  PGconn* conn_;
};

// ---------------------------------------------------------------- SQLite (C API)

class SqliteRaw final : public RawSql {
 public:
  explicit SqliteRaw(sql::Connection connection) : connection_(std::move(connection)), db_(connection_.sqlite.get()) {
    const auto param = [](int n, bool) { return Placeholder('?', n); };
    begin_ = Prepare(sql::BeginStatement(sql::Dialect::kSqlite, TxMode::kWrite));
    commit_ = Prepare("COMMIT");
    take_ = Prepare(WithParams(kTakeLock, param));
    drop_ = Prepare(WithParams(kDropLock, param));
    update_ = Prepare(WithParams(kUpdateDoc, param));
    version_ = Prepare(WithParams(kInsertVersion, param));
  }
  ~SqliteRaw() override {
    for (sqlite3_stmt* s : {begin_, commit_, take_, drop_, update_, version_}) sqlite3_finalize(s);
  }

  void TakeLock(const std::string& project_id, const std::string& token_hash) override {
    const Stamp at;
    const std::string id = NewId(SystemRandom());
    Step(begin_, {});
    Step(take_, {&id, &project_id, &at.now, &at.expires, &token_hash});
    RequireOne("lock upsert");
    Step(commit_, {});
  }

  void DropLock(const std::string& project_id, const std::string& token_hash) override {
    Step(begin_, {});
    Step(drop_, {&project_id, &token_hash});
    RequireOne("lock delete");
    Step(commit_, {});
  }

  long long PutDoc(const std::string& doc_id, const std::string& project_id, const std::string& content) override {
    const std::string hash = Sha256Hex(content), now = FormatTimestamp(SystemClock().Now());
    const std::string version_id = NewId(SystemRandom());
    Step(begin_, {});
    Bind(update_, {&content, &hash, &now, &doc_id});
    if (sqlite3_step(update_) != SQLITE_ROW) Fail(std::string("raw doc update returned no row: ") + sqlite3_errmsg(db_));
    const std::string version = std::to_string(sqlite3_column_int64(update_, 0));
    if (sqlite3_step(update_) != SQLITE_DONE) Fail("raw doc update changed more than one row");
    sqlite3_reset(update_);
    Step(version_, {&version_id, &doc_id, &project_id, &version, &content, &hash, &now});
    RequireOne("doc history insert");
    Step(commit_, {});
    return std::atoll(version.c_str());
  }

  long long Number(const std::string& sql, const std::vector<std::string>& params) override {
    return std::atoll(Text(sql, params).c_str());
  }

  std::string Text(const std::string& sql, const std::vector<std::string>& params) override {
    sqlite3_stmt* s = Prepare(sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(s, static_cast<int>(i + 1), params[i].data(), static_cast<int>(params[i].size()),
                        SQLITE_TRANSIENT);
    }
    if (sqlite3_step(s) != SQLITE_ROW) Fail("no row from: " + sql);
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    std::string out = text ? text : "";
    sqlite3_finalize(s);
    return out;
  }

  std::string Settings() override {
    static const char* kSynchronous[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
    const long long sync = Number("PRAGMA synchronous", {});
    return "journal_mode=" + Text("PRAGMA journal_mode", {}) +
           " synchronous=" + (sync >= 0 && sync < 4 ? kSynchronous[sync] : std::to_string(sync)) +
           " foreign_keys=" + Text("PRAGMA foreign_keys", {}) +
           ", transactions: " + sql::BeginStatement(sql::Dialect::kSqlite, TxMode::kWrite);
  }

  std::string Param(int n) const override { return Placeholder('?', n); }

 private:
  sqlite3_stmt* Prepare(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      Fail("prepare: " + std::string(sqlite3_errmsg(db_)) + ": " + sql);
    }
    return s;
  }
  void Bind(sqlite3_stmt* s, std::initializer_list<const std::string*> params) {
    int i = 0;
    for (const std::string* p : params) {
      sqlite3_bind_text(s, ++i, p->data(), static_cast<int>(p->size()), SQLITE_STATIC);
    }
  }
  void Step(sqlite3_stmt* s, std::initializer_list<const std::string*> params) {
    Bind(s, params);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) Fail(std::string("raw statement failed: ") + sqlite3_errmsg(db_));
  }
  void RequireOne(const char* what) {
    const long long rows = sqlite3_changes64(db_);
    if (rows != 1) Fail(std::string("raw ") + what + " changed " + std::to_string(rows) + " rows, not 1");
  }

  sql::Connection connection_;
  sqlite3* db_;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* take_ = nullptr;
  sqlite3_stmt* drop_ = nullptr;
  sqlite3_stmt* update_ = nullptr;
  sqlite3_stmt* version_ = nullptr;
};

}  // namespace

std::unique_ptr<RawSql> OpenRawSql(const std::string& url) {
  auto target = sql::ParseUrl(url);
  if (!target) Fail(target.error().ToString());
  // The store's own defaults (the benchmark opens the store with them too).
  sql::Connection connection = sql::OpenConnection(*target, sql::SqlStoreOptions{.url = url});
  if (target->dialect == sql::Dialect::kPostgres) return std::make_unique<PgRaw>(std::move(connection));
  return std::make_unique<SqliteRaw>(std::move(connection));
}

}  // namespace libsync::bench
