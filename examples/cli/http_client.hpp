#pragma once
// A small blocking HTTP/1.1 client for aitk: one request per connection, a deadline per
// request, retries with backoff for what a retry can fix (no connection, 502/503/504).
// https:// URLs are verified against the system's trust store and AI_TOOLKIT_CA_FILE, with
// the host name checked; there is no way to turn verification off (docs/tls.md).

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "libsync/result.hpp"

namespace aitk {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Endpoint {
  bool tls = false;  // https://
  std::string host;
  std::string port;
  std::string base_path;  // prefix before /api, without a trailing slash ("" usually)
};

/// Parses "http://host[:port][/prefix]" or "https://host[:port][/prefix]" (ports 80 and 443
/// by default).
libsync::Result<Endpoint> ParseBaseUrl(std::string_view url);

struct HttpOptions {
  /// Per attempt: connecting and sending within it, then no silence longer than it while
  /// the answer arrives. An attempt that ran out of it is not retried.
  std::chrono::milliseconds timeout{10000};
  int retries = 2;                           // extra attempts after the first
  std::chrono::milliseconds first_backoff{250};  // doubled after every failed attempt
  /// PEM certificates trusted for https:// besides the system's (AI_TOOLKIT_CA_FILE): a
  /// team's private CA. The system's store is OpenSSL's default, which SSL_CERT_FILE and
  /// SSL_CERT_DIR override.
  std::string ca_file;
};

/// The origin of a Status for an https:// server whose certificate failed verification (or
/// whose TLS handshake failed): retrying cannot help, so Send does not.
inline constexpr const char* kTlsOrigin = "tls";

/// The origin of a Status for an attempt that ran past HttpOptions::timeout: not retried.
inline constexpr const char* kTimeoutOrigin = "timeout";

class HttpClient {
 public:
  HttpClient(Endpoint endpoint, HttpOptions options) : endpoint_(std::move(endpoint)), options_(options) {}

  using Headers = std::map<std::string, std::string>;

  /// Sends one request; retries only when it is safe (idempotent method, or the request
  /// never reached the server). kUnavailable when the server cannot be reached, or (origin
  /// kTlsOrigin) its certificate is not trusted: the message names the reason and the
  /// setting that fixes it. A redirect from http:// to https:// on the same host is
  /// followed once (the key then travels encrypted); any other redirect is returned as is,
  /// so the key never goes anywhere else.
  libsync::Result<HttpResponse> Send(const std::string& method, const std::string& target,
                                     const Headers& headers, const std::string& body = {}) const;

  /// Opens a GET whose body is a stream (Server-Sent Events) and calls `on_data` with each
  /// piece as it arrives, until the server closes it, `on_data` returns false, or nothing
  /// (not even a heartbeat) arrives for `idle_timeout`. Returns the response status line's
  /// code, or an error when the connection failed.
  libsync::Result<int> Stream(const std::string& target, const Headers& headers,
                              std::chrono::milliseconds idle_timeout,
                              const std::function<bool(std::string_view)>& on_data) const;

 private:
  libsync::Result<HttpResponse> SendOnce(const Endpoint& endpoint, const std::string& method,
                                         const std::string& target, const Headers& headers,
                                         const std::string& body, bool& reached_server) const;
  libsync::Result<HttpResponse> SendRetrying(const Endpoint& endpoint, const std::string& method,
                                             const std::string& target, const Headers& headers,
                                             const std::string& body) const;
  libsync::Result<int> StreamFrom(const Endpoint& endpoint, const std::string& target, const Headers& headers,
                                  std::chrono::milliseconds idle_timeout,
                                  const std::function<bool(std::string_view)>& on_data, bool may_redirect) const;

  Endpoint endpoint_;
  HttpOptions options_;
};

}  // namespace aitk
