#include "connection.hpp"

#include <sqlite3.h>

#include <poll.h>

#include "error_mapping.hpp"
#include "libsync/percent_encoding.hpp"
#include "pg_pipeline.hpp"

#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <string_view>

namespace libsync::sql {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

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

std::string WithoutPassword(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  // The last '@' before the path ends the user info, as PostgresKeywords reads it: a
  // password with an unencoded '@' stays hidden whole.
  const std::size_t path = url.find_first_of("/?", scheme + 3);
  const std::size_t at = url.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < scheme) return url;
  const std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

// See docs/storage.md ("A server that stops answering") for the values and why.
constexpr std::pair<const char*, const char*> kConnectionDefaults[] = {
    // A connect to a host that does not answer would wait for the SYN retries (~2 min).
    {"connect_timeout", "5"},
    // An idle connection to a vanished peer is found dead after 30 + 3 x 10 = 60 s instead
    // of Linux's 2 h 11 min.
    {"keepalives", "1"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    // A statement sent to a vanished peer fails after 30 s without an acknowledgement,
    // instead of holding its worker through ~15 min of retransmissions.
    {"tcp_user_timeout", "30000"},
};

// libpq keyword=value form: values single-quoted with \ and \' escaped.
void AddKeyword(std::string& out, const char* key, const std::string& value) {
  if (value.empty()) return;
  if (!out.empty()) out += ' ';
  out += key;
  out += "='";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

// postgresql://user:pass@host:port/db?k=v becomes libpq keywords here, every part
// percent-decoded and quoted (a password may hold a space or an '@': "%20", "%40").
Result<std::string> PostgresKeywords(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid PostgreSQL URL (" + why + "): " + WithoutPassword(url));
  };
  std::string_view rest(url);
  rest.remove_prefix(rest.find("://") + 3);
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view dbname;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    dbname = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string_view userinfo, hostport = rest;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    userinfo = rest.substr(0, at);
    hostport = rest.substr(at + 1);
  }
  std::string_view user = userinfo, password;
  if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
    user = userinfo.substr(0, colon);
    password = userinfo.substr(colon + 1);
  }
  std::string_view host = hostport, port;
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:5432
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') port = hostport.substr(close + 2);
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  for (char c : port) {
    if (c < '0' || c > '9') return bad("port is not a number");
  }
  std::string out;
  std::set<std::string, std::less<>> given;
  for (auto [key, raw] : {std::pair{"host", host}, std::pair{"port", port}, std::pair{"dbname", dbname},
                          std::pair{"user", user}, std::pair{"password", password}}) {
    auto value = PercentDecode(raw);
    if (!value) return bad(std::string("bad percent-encoding in ") + key);
    AddKeyword(out, key, *value);
  }
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) return bad("query parameter without '='");
    auto key = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(pair.substr(eq + 1));
    if (!key || !value || key->empty()) return bad("bad query parameter");
    for (char c : *key) {
      if (!(c == '_' || (c >= 'a' && c <= 'z'))) return bad("unknown parameter name");
    }
    given.insert(*key);
    AddKeyword(out, key->c_str(), *value);
  }
  // Defaults a URL may override, each for a server that stops answering without closing
  // the connection (a host gone, a partition, a failover that reset nothing): otherwise
  // PQstatus stays OK and the kernel's own timers decide, minutes to hours.
  for (const auto& [key, value] : kConnectionDefaults) {
    if (!given.contains(key)) AddKeyword(out, key, value);
  }
  return out;
}

}  // namespace

Result<Target> ParseUrl(const std::string& url) {
  if (url.rfind(kSqliteScheme, 0) == 0) {
    // sqlite:///abs/path.db has an absolute path; sqlite://rel/path.db a relative one.
    std::string path = url.substr(kSqliteScheme.size());
    if (path.empty()) return Status::InvalidArgument("sqlite URL has no file path: " + url);
    if (path.find('\0') != std::string::npos) return Status::InvalidArgument("sqlite path contains NUL");
    return Target{Dialect::kSqlite, {}, url, path};
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    LIBSYNC_ASSIGN_OR_RETURN(std::string keywords, PostgresKeywords(url));
    return Target{Dialect::kPostgres, std::move(keywords), WithoutPassword(url)};
  }
  return Status::InvalidArgument("database URL must start with sqlite:// or postgresql://");
}

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
  exec("PRAGMA journal_mode=WAL");
  if (options.sqlite_exclusive) sqlite3_busy_timeout(db, busy_timeout);
  exec(options.sqlite_synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
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

namespace {

// Checked without a round trip after this much idleness; a busy connection's failure
// shows on its next statement instead, and the store retries on a fresh one.
constexpr auto kIdleCheckAfter = std::chrono::seconds(1);
// While the database is down, each connection tries to reopen at most this often, so a
// burst of requests gets its 503s at once instead of each waiting on a connect.
constexpr auto kReopenInterval = std::chrono::milliseconds(100);

// An idle connection has nothing to read unless the server wrote to it on its own: the
// error it sends as it terminates the session, or the end of the stream. Either way the
// connection is finished.
bool ServerHungUp(PGconn* conn) {
  pollfd fd{PQsocket(conn), POLLIN, 0};
  return fd.fd < 0 || poll(&fd, 1, 0) != 0;
}

}  // namespace

Status SessionPool::Lease::MakeUsable() {
  Connection& c = connection_;
  if (!c.pg) return Status::Ok();  // a SQLite file does not hang up
  const auto now = std::chrono::steady_clock::now();
  if (!c.broken && !c.Lost() && (now - c.last_used < kIdleCheckAfter || !ServerHungUp(c.pg.get()))) {
    return Status::Ok();
  }
  c.broken = true;
  if (now < c.next_reopen) return Status::Unavailable("database unavailable: reconnecting", "soci/08006");
  try {
    Connection fresh = pool_.open_();
    c = std::move(fresh);
    return Status::Ok();
  } catch (const std::exception& e) {
    c.next_reopen = now + kReopenInterval;
    const Status mapped = MapSqlError(e).status;
    // Whatever the server said while refusing, this call could not reach the database.
    if (mapped.code() == ErrorCode::kUnavailable) return mapped;
    return Status::Unavailable("database unavailable: " + mapped.message(), mapped.origin());
  }
}

SessionPool::Lease SessionPool::Acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !connections_.empty(); });
  Connection c = std::move(connections_.back());
  connections_.pop_back();
  return Lease(*this, std::move(c));
}

void SessionPool::Return(Connection c) {
  c.last_used = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    connections_.push_back(std::move(c));
  }
  available_.notify_one();
}

}  // namespace libsync::sql
