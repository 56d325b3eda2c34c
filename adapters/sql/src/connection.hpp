#pragma once
// One connection to the database, opened with the store's settings: SQLite's C API or
// libpq. Neither may be used by two threads at once: SessionPool (session_pool.hpp)
// leases each to one transaction at a time.

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>

#include "database_url.hpp"
#include "libsync/sql/sql_store.hpp"
#include "pg_statements.hpp"
#include "sqlite_statements.hpp"

namespace libsync::sql {

struct PgConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

struct SqliteDbCloser {
  // _v2: should a statement still be open, the connection closes when it is finalized
  // rather than staying open for good.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteDbCloser>;

/// Where a transaction's statements run: SQLite's kept statements, or a PostgreSQL
/// connection (driven through libpq) with its prepared statements.
struct Executor {
  SqliteStatementCache* sqlite = nullptr;
  PGconn* pg = nullptr;
  PgStatementCache* pg_statements = nullptr;
};

/// One pooled connection: SQLite's C API, or libpq.
struct Connection {
  SqliteDb sqlite;  ///< SQLite
  // Declared after the connection, so destroyed first: kept statements are finalized
  // before their connection closes. Null on PostgreSQL.
  std::unique_ptr<SqliteStatementCache> statements;
  PgConn pg;  ///< PostgreSQL
  /// PostgreSQL: what is prepared on `pg` (replaced with it).
  std::unique_ptr<PgStatementCache> pg_statements;

  std::chrono::steady_clock::time_point last_used;
  /// PostgreSQL: a reopen failed; no new attempt before this time.
  std::chrono::steady_clock::time_point next_reopen;
  bool broken = false;  ///< replace before the next use

  Executor executor() const { return {statements.get(), pg.get(), pg_statements.get()}; }
  /// PostgreSQL: the connection cannot serve another statement (closed by the server,
  /// or left inside a pipeline or a transaction by a failure). Never true on SQLite.
  bool Lost() const;
};

/// Opens one connection and applies the per-connection settings (SQLite: WAL,
/// synchronous, busy timeout, foreign keys, extended result codes; PostgreSQL: ISO
/// datestyle, no NOTICEs). Throws SqliteError, or PgError (a refused connection as
/// SQLSTATE 08001).
Connection OpenConnection(const Target& target, const SqlStoreOptions& options);

}  // namespace libsync::sql
