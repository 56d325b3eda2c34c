#include "platform_client.hpp"

#include <boost/json.hpp>

#include "libsync/hashing.hpp"
#include "terminal_text.hpp"

namespace aitk {
namespace {

namespace json = boost::json;
using libsync::ErrorCode;
using libsync::Result;
using libsync::Status;

// The server's error body is {"statusCode","error","message"}; keep its message.
Status ErrorFrom(const HttpResponse& r) {
  std::string message = "HTTP " + std::to_string(r.status);
  boost::system::error_code ec;
  const json::value body = json::parse(r.body, ec);
  if (!ec && body.is_object()) {
    if (const auto* m = body.as_object().if_contains("message"); m && m->is_string()) {
      message = TerminalSafe(m->as_string());
    }
  }
  if (r.status == 401) message += " (check AI_TOOLKIT_API_KEY)";
  if (r.status == 404) message += " (check AI_TOOLKIT_PROJECT_ID and that the key belongs to it)";
  return Status(libsync::ErrorCodeOfHttpStatus(r.status), message);
}

Result<json::object> ObjectOf(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return Status::Internal("the platform sent a body that is not a JSON object");
  return std::move(v.as_object());
}

std::string Str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// A string field that aitk only shows (a lock's holder and reason, times, authors).
std::string Shown(const json::object& o, std::string_view key) { return TerminalSafe(Str(o, key)); }

std::int64_t Int(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

HttpOptions OptionsOf(const Config& c) { return {.timeout = c.timeout, .retries = c.retries, .ca_file = c.ca_file}; }

}  // namespace

std::string EncodeSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

PlatformClient::PlatformClient(const Config& config)
    : config_(config),
      endpoint_(ParseBaseUrl(config.url)),
      http_(endpoint_ ? *endpoint_ : Endpoint{}, OptionsOf(config)) {}

Result<HttpResponse> PlatformClient::Call(const std::string& method, const std::string& target,
                                          const std::string& body, HttpClient::Headers extra) const {
  LIBSYNC_RETURN_IF_ERROR(endpoint_.status());
  extra["X-API-Key"] = config_.api_key;
  LIBSYNC_ASSIGN_OR_RETURN(HttpResponse r, http_.Send(method, target, extra, body));
  if (r.status >= 300) return ErrorFrom(r);
  return r;
}

std::string PlatformClient::DocTarget(const std::string& file_name) const {
  return "/api/projects/" + EncodeSegment(config_.project_id) + "/docs/" + EncodeSegment(file_name);
}

Result<LockState> PlatformClient::LockStatus() const {
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("GET", "/api/hook/status/" + EncodeSegment(config_.project_id)));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  LockState s;
  const auto* locked = o.if_contains("locked");
  s.locked = locked && locked->is_bool() && locked->as_bool();
  s.locked_by = Str(o, "lockedBy");
  s.locked_at = Str(o, "lockedAt");
  s.expires_at = Str(o, "expiresAt");
  s.reason = Str(o, "reason");
  return s;
}

Result<std::string> PlatformClient::KeyScope() const {
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("GET", "/api/session"));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  if (Str(o, "role") == "admin") return std::string("admin");
  return Shown(o, "scope");
}

Result<std::string> PlatformClient::DocsHash() const {
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("GET", "/api/hook/docs/" + EncodeSegment(config_.project_id)));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  return Shown(o, "hash");
}

Result<Snapshot> PlatformClient::Pull() const {
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("POST", "/api/hook/sync/" + EncodeSegment(config_.project_id)));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  Snapshot s;
  s.hash = Str(o, "hash");
  const auto* docs = o.if_contains("docs");
  if (!docs || !docs->is_array()) return Status::Internal("the platform's sync answer has no docs list");
  // What is written and recorded is what the hashes say (DESIGN's hashing rules): a doc's
  // hash is its content's, and the docs hash covers exactly these docs. An answer that does
  // not add up (cut short, altered on the way, a platform that is not ours) is refused
  // rather than recorded as current.
  std::vector<libsync::DocSummary> summaries;
  for (const auto& d : docs->as_array()) {
    if (!d.is_object()) return Status::Internal("the platform's sync answer has a doc that is not an object");
    RemoteDoc doc{Str(d.as_object(), "fileName"), Str(d.as_object(), "content"), Str(d.as_object(), "hash")};
    if (doc.hash != libsync::Sha256Hex(doc.content)) {
      return Status::Internal("the platform's sync answer gives doc '" + TerminalSafe(doc.file_name) +
                              "' a hash that is not its content's; nothing was written");
    }
    summaries.push_back({.file_name = doc.file_name, .hash = doc.hash});
    s.docs.push_back(std::move(doc));
  }
  if (s.hash != libsync::ProjectDocsHash(summaries)) {
    return Status::Internal("the platform's sync answer has a docs hash that is not its docs'; nothing was written");
  }
  return s;
}

Result<Grant> PlatformClient::AcquireLock(const std::string& locked_by, const std::string& reason,
                                          std::optional<int> ttl_seconds, const std::string& token) const {
  json::object body{{"lockedBy", locked_by}};
  if (!reason.empty()) body["reason"] = reason;
  if (ttl_seconds) body["ttlSeconds"] = *ttl_seconds;
  HttpClient::Headers headers;
  if (!token.empty()) headers["X-Lock-Token"] = token;  // renews our own lock
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("POST", "/api/projects/" + EncodeSegment(config_.project_id) + "/lock",
                                        json::serialize(body), headers));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  Grant g{Str(o, "token"), Shown(o, "lockedBy"), Shown(o, "expiresAt"), Int(o, "fence"), false};
  const auto* renewed = o.if_contains("renewed");
  g.renewed = renewed && renewed->is_bool() && renewed->as_bool();
  if (g.token.empty()) g.token = token;
  return g;
}

Result<std::string> PlatformClient::ExtendLock(const std::string& token, std::optional<int> minutes) const {
  std::string body;
  if (minutes) body = json::serialize(json::object{{"minutes", *minutes}});
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("POST", "/api/projects/" + EncodeSegment(config_.project_id) + "/lock/extend",
                                        body, {{"X-Lock-Token", token}}));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  return Shown(o, "expiresAt");
}

Result<bool> PlatformClient::ReleaseLock(const std::string& token) const {
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("DELETE", "/api/projects/" + EncodeSegment(config_.project_id) + "/lock",
                                        {}, {{"X-Lock-Token", token}}));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  const auto* released = o.if_contains("released");
  return released && released->is_bool() && released->as_bool();
}

Result<std::optional<DocInfo>> PlatformClient::GetDoc(const std::string& file_name) const {
  auto r = Call("GET", DocTarget(file_name));
  if (!r && r.error().code() == ErrorCode::kNotFound) return std::optional<DocInfo>();
  if (!r) return r.error();
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(*r));
  return std::optional<DocInfo>(DocInfo{Str(o, "content"), Str(o, "hash"), Int(o, "version")});
}

Result<DocInfo> PlatformClient::PutDoc(const std::string& file_name, const std::string& content,
                                       std::optional<std::int64_t> base_version,
                                       const std::string& lock_token) const {
  json::object body{{"content", content}};
  if (base_version) body["baseVersion"] = *base_version;
  HttpClient::Headers headers;
  if (!lock_token.empty()) headers["X-Lock-Token"] = lock_token;
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("PUT", DocTarget(file_name), json::serialize(body), headers));
  LIBSYNC_ASSIGN_OR_RETURN(auto o, ObjectOf(r));
  return DocInfo{Str(o, "content"), Str(o, "hash"), Int(o, "version")};
}

Result<std::vector<HistoryEntry>> PlatformClient::History(const std::string& file_name) const {
  LIBSYNC_ASSIGN_OR_RETURN(auto r, Call("GET", DocTarget(file_name) + "/history"));
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_array()) return Status::Internal("the platform's history answer is not a JSON list");
  std::vector<HistoryEntry> out;
  for (const auto& e : v.as_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    out.push_back({Int(o, "version"), Shown(o, "hash"), Shown(o, "author"), Shown(o, "source"), Shown(o, "createdAt")});
  }
  return out;
}

Result<int> PlatformClient::StreamEvents(std::optional<std::int64_t> since,
                                         const std::function<bool(std::string_view)>& on_data) const {
  LIBSYNC_RETURN_IF_ERROR(endpoint_.status());
  HttpClient::Headers headers{{"X-API-Key", config_.api_key}};
  if (since) headers["Last-Event-ID"] = std::to_string(*since);
  // The server sends a heartbeat well inside this; silence this long means a dead link.
  return http_.Stream("/api/projects/" + EncodeSegment(config_.project_id) + "/events", headers,
                      std::chrono::seconds(45), on_data);
}

}  // namespace aitk
