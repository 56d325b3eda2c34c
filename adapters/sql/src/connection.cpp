#include "connection.hpp"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "error_mapping.hpp"
#include "pg_pipeline.hpp"

namespace libsync::sql {
namespace {

// The file as a URI naming SQLite's "unix-excl" VFS: the process locks the file once,
// exclusively, and keeps the WAL index in its own memory (https://sqlite.org/uri.html).
std::string ExclusiveFileUri(const std::string& path) {
  std::string out = path.front() == '/' ? "file://" : "file:";  // file:///abs, or file:rel
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '%' || c == '?' || c == '#' || u <= ' ' || u >= 0x7F) {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out + "?vfs=unix-excl";
}

// Switching a new file to WAL needs its exclusive lock. When two processes open a new file
// at once (servers or `migrate` runs starting together), SQLite answers the loser with
// SQLITE_BUSY at once, without the busy handler (waiting could deadlock in rollback mode),
// so the switch is tried again until `patience` has passed.
void SwitchToWal(sqlite3* db, std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    const int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xFF) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) ThrowSqliteError(db);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Connection OpenConnection(const Target& target, const SqlStoreOptions& options) {
  if (target.dialect == Dialect::kPostgres) {
    Connection c;
    c.pg.reset(PQconnectdb(target.connect_string.c_str()));
    if (!c.pg) throw std::bad_alloc();
    if (PQstatus(c.pg.get()) != CONNECTION_OK) {
      // 08001: the client could not establish the connection (kUnavailable).
      throw PgError(PQerrorMessage(c.pg.get()), "08001");
    }
    // Messages the server sends on its own (a WARNING as it shuts down, the FATAL of a
    // terminated session) would go to stderr; the error that follows is what counts.
    PQsetNoticeProcessor(c.pg.get(), [](void*, const char*) {}, nullptr);
    // Timestamps are read back as text; ISO output is what ParseTimestamp reads. No
    // NOTICEs.
    PgResult set(PQexec(c.pg.get(), "SET datestyle = 'ISO, YMD'; SET client_min_messages = warning"));
    CheckPgResult(c.pg.get(), set.get());
    c.pg_statements = std::make_unique<PgStatementCache>();
    c.last_used = std::chrono::steady_clock::now();
    return c;
  }
  // SQLite keeps allocation statistics behind one process-wide mutex, which every
  // worker's reads then queue on. Nothing here reads the statistics. URI file names are
  // how the exclusive store names its VFS. Both settings only take before SQLite's first
  // use in the process: an embedder that used it first keeps its own.
  static std::once_flag configured;
  static bool uri_names = false;
  std::call_once(configured, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    uri_names = sqlite3_config(SQLITE_CONFIG_URI, 1) == SQLITE_OK || sqlite3_compileoption_used("USE_URI") == 1;
  });
  std::string file = target.sqlite_path;
  if (options.sqlite_exclusive) {
    // Without URI names the URI would be taken for a file name: refuse rather than
    // create a file called "file:...".
    if (!uri_names) throw std::runtime_error("an exclusive SQLite store needs URI file names, which are off here");
    file = ExclusiveFileUri(target.sqlite_path);
  }
  Connection c;
  sqlite3* opened = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  c.sqlite.reset(opened);  // closed on every path below, opened or not
  if (rc != SQLITE_OK) {
    if (!opened) throw std::bad_alloc();
    // The code open returned (a primary one: extended codes are switched on below).
    throw SqliteError(std::string("cannot open the database file: ") + sqlite3_errmsg(opened), rc);
  }
  sqlite3* db = c.sqlite.get();
  // Extended codes tell a UNIQUE violation from a FOREIGN KEY one without parsing text.
  sqlite3_extended_result_codes(db, 1);
  // An exclusive store takes its lock on this first read; if another process holds the
  // file, waiting would not help: fail at once.
  const auto busy_timeout = static_cast<int>(options.sqlite_busy_timeout.count());
  sqlite3_busy_timeout(db, options.sqlite_exclusive ? 0 : busy_timeout);
  const auto exec = [db](const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) ThrowSqliteError(db);
  };
  SwitchToWal(db, options.sqlite_exclusive ? std::chrono::milliseconds(0) : options.sqlite_busy_timeout);
  if (options.sqlite_exclusive) sqlite3_busy_timeout(db, busy_timeout);
  exec(options.sqlite_synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  // A changed or deleted row's old bytes are zeroed where that costs no extra write (the
  // page is written anyway), instead of lingering in the page's free space: a repoUrl
  // password sealed at start (migration 12), a revoked key's hash, a short deleted doc's
  // text. Whole pages freed (a long text's overflow pages) keep theirs until reused.
  exec("PRAGMA secure_delete=FAST");
  // 512 KiB of pages per connection instead of SQLite's 2 MB: a server's doc reads are
  // answered from its hook cache, which holds the docs already; what a write or a lookup
  // walks (the indexes' and tables' inner pages) fits many times over, and a pull reads
  // each page once. With 10,000 docs of 4 KB the default held 2 MB per connection used
  // (docs/performance.md, "Cost as a project grows").
  exec("PRAGMA cache_size=-512");
  c.statements = std::make_unique<SqliteStatementCache>(db);
  return c;
}

bool Connection::Lost() const {
  if (!pg) return false;
  return PQstatus(pg.get()) != CONNECTION_OK || PQpipelineStatus(pg.get()) != PQ_PIPELINE_OFF ||
         PQtransactionStatus(pg.get()) != PQTRANS_IDLE;
}

bool UseUnlockedSqliteConnections() {
  return sqlite3_config(SQLITE_CONFIG_MULTITHREAD) == SQLITE_OK;
}

}  // namespace libsync::sql
