#pragma once
// A small blocking HTTP/1.1 client for aitk: one request per connection, a deadline per
// request, retries with backoff for what a retry can fix (no connection, 502/503/504).

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
  std::string host;
  std::string port;
  std::string base_path;  // prefix before /api, without a trailing slash ("" usually)
};

/// Parses "http://host[:port][/prefix]". Plain HTTP only: put TLS in front (a proxy) or
/// use the server on loopback.
libsync::Result<Endpoint> ParseBaseUrl(std::string_view url);

struct HttpOptions {
  std::chrono::milliseconds timeout{10000};  // per attempt: connect, send, receive
  int retries = 2;                           // extra attempts after the first
  std::chrono::milliseconds first_backoff{250};  // doubled after every failed attempt
};

class HttpClient {
 public:
  HttpClient(Endpoint endpoint, HttpOptions options) : endpoint_(std::move(endpoint)), options_(options) {}

  using Headers = std::map<std::string, std::string>;

  /// Sends one request; retries only when it is safe (idempotent method, or the request
  /// never reached the server). kUnavailable when the server cannot be reached.
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
  libsync::Result<HttpResponse> SendOnce(const std::string& method, const std::string& target,
                                         const Headers& headers, const std::string& body,
                                         bool& reached_server) const;

  Endpoint endpoint_;
  HttpOptions options_;
};

}  // namespace aitk
