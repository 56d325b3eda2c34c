#include "connection.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sqlite3.h>

#include "libsync/percent_encoding.hpp"

#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace libsync::sql {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

// SOCI's SQLite connect string is space-separated key=value; quote the path so spaces
// in it survive.
std::string QuoteSqlitePath(const std::string& path) {
  std::string out = "\"";
  for (char c : path) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

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
  const std::size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  const std::size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

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

// SOCI 4.0 hands the connect string to libpq only after its own parsing, which mangles
// URLs; so postgresql://user:pass@host:port/db?k=v becomes libpq keywords here.
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
    AddKeyword(out, key->c_str(), *value);
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
    return Target{Dialect::kSqlite, "db=" + QuoteSqlitePath(path), url, path};
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    LIBSYNC_ASSIGN_OR_RETURN(std::string keywords, PostgresKeywords(url));
    return Target{Dialect::kPostgres, std::move(keywords), WithoutPassword(url)};
  }
  return Status::InvalidArgument("database URL must start with sqlite:// or postgresql://");
}

Connection OpenConnection(const Target& target, const SqlStoreOptions& options) {
  if (target.dialect == Dialect::kPostgres) {
    auto session = std::make_unique<soci::session>(soci::postgresql, target.connect_string);
    // Timestamps are read back as text; ISO output is what ParseTimestamp reads.
    *session << "SET datestyle = 'ISO, YMD'";
    *session << "SET client_min_messages = warning";  // no NOTICEs on stderr
    return {std::move(session), nullptr};
  }
  // SQLite keeps allocation statistics behind one process-wide mutex, which every
  // worker's reads then queue on. Nothing here reads the statistics. URI file names are
  // how SOCI can be asked for a VFS. Both settings only take before SQLite's first use in
  // the process: an embedder that used it first keeps its own.
  static std::once_flag configured;
  static bool uri_names = false;
  std::call_once(configured, [] {
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    uri_names = sqlite_api::sqlite3_config(SQLITE_CONFIG_URI, 1) == SQLITE_OK ||
                sqlite_api::sqlite3_compileoption_used("USE_URI") == 1;
  });
  std::string connect_string = target.connect_string;
  if (options.sqlite_exclusive) {
    // Without URI names the URI would be taken for a file name: refuse rather than
    // create a file called "file:...".
    if (!uri_names) throw std::runtime_error("an exclusive SQLite store needs URI file names, which are off here");
    connect_string = "db=" + QuoteSqlitePath(ExclusiveFileUri(target.sqlite_path));
  }
  auto session = std::make_unique<soci::session>(soci::sqlite3, connect_string);
  auto* backend = static_cast<soci::sqlite3_session_backend*>(session->get_backend());
  // Extended codes tell a UNIQUE violation from a FOREIGN KEY one without parsing text.
  sqlite3_extended_result_codes(backend->conn_, 1);
  // An exclusive store takes its lock on this first read; if another process holds the
  // file, waiting would not help: fail at once.
  const auto busy_timeout = static_cast<int>(options.sqlite_busy_timeout.count());
  sqlite3_busy_timeout(backend->conn_, options.sqlite_exclusive ? 0 : busy_timeout);
  std::string mode;
  *session << "PRAGMA journal_mode=WAL", soci::into(mode);
  if (options.sqlite_exclusive) sqlite3_busy_timeout(backend->conn_, busy_timeout);
  *session << (options.sqlite_synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  *session << "PRAGMA foreign_keys=ON";
  auto statements = std::make_unique<SqliteStatementCache>(backend->conn_);
  return {std::move(session), std::move(statements)};
}

bool UseUnlockedSqliteConnections() {
  return sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD) == SQLITE_OK;
}

SessionPool::Lease SessionPool::Acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !connections_.empty(); });
  Connection c = std::move(connections_.back());
  connections_.pop_back();
  return Lease(*this, std::move(c));
}

void SessionPool::Return(Connection c) {
  {
    std::lock_guard lock(mutex_);
    connections_.push_back(std::move(c));
  }
  available_.notify_one();
}

}  // namespace libsync::sql
