#pragma once
// The Store on SQL databases: SQLite as the embedded default, PostgreSQL
// when several servers share one database.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "libsync/ports/store.hpp"

namespace libsync::sql {

struct SqlStoreOptions {
  /// "sqlite:///absolute/path.db", "sqlite://relative/path.db", or a libpq URL
  /// "postgresql://user[:password]@host[:port]/dbname[?param=value]".
  std::string url;
  /// Connections kept open; each transaction leases one.
  std::size_t pool_size = 4;
  /// SQLite: synchronous=FULL (every commit reaches the disk before it is acknowledged).
  /// Set false for synchronous=NORMAL in WAL mode: faster commits, and a power loss may
  /// drop the last few acknowledged transactions (never corrupts the file).
  bool sqlite_synchronous_full = true;
  /// SQLite: how long a writer waits for another process's write lock.
  std::chrono::milliseconds sqlite_busy_timeout{5000};
  /// SQLite: this process is the file's only user. It takes an exclusive lock on the file
  /// at open and keeps it until the store closes; other processes (a second server, the
  /// sqlite3 shell) are refused meanwhile. In exchange, SQLite keeps the WAL index in this
  /// process's memory and takes no file locks per transaction (docs/performance.md has
  /// what that saves). Connections within the process share the file as usual.
  bool sqlite_exclusive = false;
  /// Events kept per project; older ones are deleted as new ones arrive.
  std::size_t event_retention = 10000;
  /// Apply pending migrations at open (the default). False: a database that lacks one is
  /// refused with kPreconditionFailed naming what is pending, and nothing is changed; for
  /// deployments that migrate as a step of their own (migrations.hpp).
  bool migrate = true;
};

/// Opens (creating if needed) and migrates the database, then returns the store.
/// Migrations run in one transaction and are recorded in "Migration"; a database created
/// by the original platform is upgraded in place. Expected errors: kInvalidArgument (bad
/// URL, not a SQLite database), kUnavailable (cannot open or connect),
/// kPreconditionFailed (the schema is newer than this build, or older and `migrate` is
/// false).
Result<std::unique_ptr<Store>> OpenSqlStore(const SqlStoreOptions& options);

/// The schema version this build migrates to.
int LatestSchemaVersion();

/// For a process whose only SQLite user is this library (the standalone server): asks
/// SQLite to leave its connections and statements unlocked ("multi-thread" mode). The
/// store never lets two threads use one connection at once (each transaction leases its
/// own), so SQLite's per-call connection mutex only costs: a doc read takes it about forty
/// times. Process-wide, and only possible before SQLite's first use in the process; code
/// that shares one SQLite connection between threads must not run in such a process.
/// Returns false when SQLite was already in use (it then stays serialized).
bool UseUnlockedSqliteConnections();

}  // namespace libsync::sql
