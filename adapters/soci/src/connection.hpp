#pragma once
// Connection URLs, session set-up per backend, and a small pool of sessions (SOCI
// sessions are not thread-safe, so each transaction leases one for its duration).

#include <soci/soci.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libsync/result.hpp"
#include "libsync/sql/sql_store.hpp"
#include "sqlite_statements.hpp"

namespace libsync::sql {

enum class Dialect { kSqlite, kPostgres };

struct Target {
  Dialect dialect;
  std::string connect_string;  ///< what soci::session::open takes
  std::string display;         ///< for messages: the URL without a password
  std::string sqlite_path;     ///< SQLite: the database file, as the URL gave it
};

/// Expected errors: kInvalidArgument (unknown scheme, empty path).
Result<Target> ParseUrl(const std::string& url);

/// A session and, on SQLite, the statements it keeps compiled.
struct Connection {
  std::unique_ptr<soci::session> session;
  // Declared after the session, so destroyed first: kept statements are finalized
  // before their connection closes. Null on PostgreSQL.
  std::unique_ptr<SqliteStatementCache> statements;
};

/// Opens one session and applies the per-connection settings (SQLite: WAL, synchronous,
/// busy timeout, foreign keys, extended result codes). Throws soci errors.
Connection OpenConnection(const Target& target, const SqlStoreOptions& options);

class SessionPool {
 public:
  explicit SessionPool(std::vector<Connection> connections) : connections_(std::move(connections)) {}

  /// Returns the connection to the pool when destroyed.
  class Lease {
   public:
    Lease(SessionPool& pool, Connection c) : pool_(pool), connection_(std::move(c)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Return(std::move(connection_)); }
    soci::session& operator*() { return *connection_.session; }
    soci::session* operator->() { return connection_.session.get(); }
    /// The session's statement cache; null on PostgreSQL.
    SqliteStatementCache* statements() { return connection_.statements.get(); }

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
};

}  // namespace libsync::sql
