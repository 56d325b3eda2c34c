#pragma once
// The platform's routes that a workstation uses, as typed calls over HttpClient. Every
// call authenticates with the project's API key; a non-2xx answer becomes a Status that
// carries the server's own message.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "http_client.hpp"

namespace aitk {

struct LockState {
  bool locked = false;
  std::string locked_by, locked_at, expires_at, reason;
};

struct RemoteDoc {
  std::string file_name, content, hash;
};

struct Snapshot {
  std::vector<RemoteDoc> docs;
  std::string hash;
};

struct DocInfo {
  std::string content, hash;
  std::int64_t version = 0;
};

struct Grant {
  std::string token, locked_by, expires_at;
  std::int64_t fence = 0;
  bool renewed = false;
};

struct HistoryEntry {
  std::int64_t version = 0;
  std::string hash, author, source, created_at;
};

class PlatformClient {
 public:
  explicit PlatformClient(const Config& config);
  /// Fails when the URL is unusable.
  libsync::Status Check() const { return endpoint_.status(); }

  libsync::Result<LockState> LockStatus() const;                 // GET /api/hook/status/:id
  libsync::Result<std::string> DocsHash() const;                 // GET /api/hook/docs/:id
  libsync::Result<Snapshot> Pull() const;                        // POST /api/hook/sync/:id
  libsync::Result<Grant> AcquireLock(const std::string& locked_by, const std::string& reason,
                                     std::optional<int> ttl_seconds, const std::string& token) const;
  libsync::Result<std::string> ExtendLock(const std::string& token, std::optional<int> minutes) const;
  libsync::Result<bool> ReleaseLock(const std::string& token) const;
  libsync::Result<std::optional<DocInfo>> GetDoc(const std::string& file_name) const;
  libsync::Result<DocInfo> PutDoc(const std::string& file_name, const std::string& content,
                                  std::optional<std::int64_t> base_version, const std::string& lock_token) const;
  libsync::Result<std::vector<HistoryEntry>> History(const std::string& file_name) const;
  /// The key's scope, "read" or "write" (GET /api/session; "admin" for the admin token).
  libsync::Result<std::string> KeyScope() const;

  /// The SSE stream of the project's events after `since`, or only new ones without it
  /// (see HttpClient::Stream).
  libsync::Result<int> StreamEvents(std::optional<std::int64_t> since, const std::function<bool(std::string_view)>& on_data) const;

 private:
  libsync::Result<HttpResponse> Call(const std::string& method, const std::string& target,
                                     const std::string& body = {}, HttpClient::Headers extra = {}) const;
  std::string DocTarget(const std::string& file_name) const;

  const Config& config_;
  libsync::Result<Endpoint> endpoint_;
  HttpClient http_;
};

/// Percent-encodes everything but unreserved characters, '/' included: one path segment.
/// A nested fileName goes as one segment (`guides%2Fstyle.md`), so a doc whose name ends in
/// a sub-route word (`notes/history`) is the doc, never that sub-route (docs/http.md).
std::string EncodeSegment(std::string_view text);

}  // namespace aitk
