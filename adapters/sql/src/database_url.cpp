#include "database_url.hpp"

#include <libpq-fe.h>

#include <memory>
#include <set>
#include <string_view>
#include <utility>

#include "libsync/percent_encoding.hpp"

namespace libsync::sql {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

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

// Prisma's `schema` names one schema; libsync accepts what PostgreSQL takes unquoted plus
// upper case (kept as written: the name is quoted wherever it is used), which covers every
// name Prisma's docs show and needs no quoting rules inside libpq's `options`.
bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && ((c >= '0' && c <= '9') || c == '$'))) return false;
  }
  return true;
}

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};

// libpq's own parser says whether every keyword is one it knows: a typo in a URL parameter
// (`sslmod=require`) is reported when the URL is read, naming the parameter, rather than
// as a connection failure at start-up.
Status CheckKeywords(const std::string& keywords, const std::string& display) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> parsed(PQconninfoParse(keywords.c_str(), &error));
  if (parsed) return Status::Ok();
  std::string why = error ? error : "libpq could not parse it";
  PQfreemem(error);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return Status::InvalidArgument("invalid PostgreSQL URL (" + why +
                                 "; a URL parameter is `schema` or one of libpq's connection parameters): " +
                                 display);
}

struct PgKeywords {
  std::string keywords;
  std::string schema;
};

// postgresql://user:pass@host:port/db?k=v becomes libpq keywords here, every part
// percent-decoded and quoted (a password may hold a space or an '@': "%20", "%40").
Result<PgKeywords> PostgresKeywords(const std::string& url) {
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
  std::string out, schema, options;
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
    if (*key == "schema") {
      if (!IsPlainIdentifier(*value)) return bad("schema must be a name of letters, digits, '_' and '$'");
      schema = *value;
      continue;
    }
    if (*key == "options") {  // merged with the schema's search path below
      options = *value;
      continue;
    }
    given.insert(*key);
    AddKeyword(out, key->c_str(), *value);
  }
  if (!schema.empty()) {
    // Every connection (the pool's and the event listener's) starts with the schema as its
    // search path, as Prisma's `schema` parameter does: unqualified names resolve there.
    options += std::string(options.empty() ? "" : " ") + "-c search_path=\"" + schema + "\"";
  }
  AddKeyword(out, "options", options);
  // Defaults a URL may override, each for a server that stops answering without closing
  // the connection (a host gone, a partition, a failover that reset nothing): otherwise
  // PQstatus stays OK and the kernel's own timers decide, minutes to hours.
  for (const auto& [key, value] : kConnectionDefaults) {
    if (!given.contains(key)) AddKeyword(out, key, value);
  }
  LIBSYNC_RETURN_IF_ERROR(CheckKeywords(out, WithoutPassword(url)));
  return PgKeywords{std::move(out), std::move(schema)};
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
    LIBSYNC_ASSIGN_OR_RETURN(PgKeywords keywords, PostgresKeywords(url));
    return Target{Dialect::kPostgres, std::move(keywords.keywords), WithoutPassword(url), {},
                  std::move(keywords.schema)};
  }
  return Status::InvalidArgument("database URL must start with sqlite:// or postgresql://");
}

}  // namespace libsync::sql
