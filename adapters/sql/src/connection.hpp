#pragma once
// Connection URLs, connection set-up per database, and a small pool of connections
// (neither SQLite nor libpq connections may be used by two threads at once, so each
// transaction leases one for its duration).

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libsync/result.hpp"
#include "dialect.hpp"
#include "libsync/sql/sql_store.hpp"
#include "pg_statements.hpp"
#include "sqlite_statements.hpp"

namespace libsync::sql {

struct Target {
  Dialect dialect;
  std::string connect_string;  ///< PostgreSQL: libpq keywords
  std::string display;         ///< for messages: the URL without a password
  std::string sqlite_path;     ///< SQLite: the database file, as the URL gave it
};

/// Expected errors: kInvalidArgument (unknown scheme, empty path).
Result<Target> ParseUrl(const std::string& url);

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

/// A small pool of connections that replaces broken ones; each transaction leases one
/// for its duration.
class SessionPool {
 public:
  using Opener = std::function<Connection()>;
  SessionPool(std::vector<Connection> connections, Opener open)
      : connections_(std::move(connections)), open_(std::move(open)) {}

  /// Returns the connection to the pool when destroyed.
  class Lease {
   public:
    Lease(SessionPool& pool, Connection c) : pool_(pool), connection_(std::move(c)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Return(std::move(connection_)); }

    Connection& operator*() { return connection_; }
    Connection* operator->() { return &connection_; }

    /// Makes sure the connection can be used: one marked broken, or idle for a while
    /// and hung up by the server meanwhile (a readable socket: a restart or
    /// pg_terminate_backend closed it), is replaced by a new one first. A cheap check: a
    /// poll of the socket, no round trip. Expected errors: kUnavailable (the database
    /// cannot be reached now; further attempts are spaced by a short interval).
    Status MakeUsable();

   private:
    SessionPool& pool_;
    Connection connection_;
  };

  /// Waits until a connection is free.
  Lease Acquire();

 private:
  void Return(Connection c);

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Connection> connections_;
  Opener open_;
};

}  // namespace libsync::sql
