#pragma once
// Connection URLs, session set-up per backend, and a small pool of sessions (SOCI
// sessions are not thread-safe, so each transaction leases one for its duration).

#include <soci/soci.h>

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libsync/result.hpp"
#include "libsync/sql/sql_store.hpp"
#include "pg_statements.hpp"
#include "sqlite_statements.hpp"

namespace libsync::sql {

enum class Dialect { kSqlite, kPostgres };

struct Target {
  Dialect dialect;
  std::string connect_string;  ///< SQLite: what soci::session::open takes; PostgreSQL: libpq keywords
  std::string display;         ///< for messages: the URL without a password
  std::string sqlite_path;     ///< SQLite: the database file, as the URL gave it
};

/// Expected errors: kInvalidArgument (unknown scheme, empty path).
Result<Target> ParseUrl(const std::string& url);

struct PgConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

/// Where a transaction's statements run: SQLite's kept statements, or a PostgreSQL
/// connection (driven through libpq) with its prepared statements.
struct Executor {
  SqliteStatementCache* sqlite = nullptr;
  PGconn* pg = nullptr;
  PgStatementCache* pg_statements = nullptr;
};

/// One pooled connection. SQLite goes through a SOCI session; PostgreSQL through libpq
/// alone (SOCI 4.0 re-splits a libpq connect string on blanks, which breaks a quoted
/// password that contains a space).
struct Connection {
  std::unique_ptr<soci::session> session;  ///< SQLite
  // Declared after the session, so destroyed first: kept statements are finalized
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
/// datestyle, no NOTICEs). Throws soci errors (a refused connection as SQLSTATE 08001).
Connection OpenConnection(const Target& target, const SqlStoreOptions& options);

/// A small pool of connections that replaces broken ones. SOCI sessions and libpq
/// connections are not thread-safe, so each transaction leases one for its duration.
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
