// WebApp::Serve: a request for the app answered from memory. The path is looked up as
// received, without decoding, among the manifest's names: "/assets/%2e%2e/x", "/..%2f",
// "/a\\b" or "/%00" are no name it lists, so they are 404 before anything could resolve them.

#include <algorithm>

#include "libsync/http/web_app.hpp"
#include "response_text.hpp"
#include "responses.hpp"

namespace libsync::web {
namespace {

void AddSecurityHeaders(Response& r) {
  r.headers.emplace_back("content-security-policy", std::string(kWebContentSecurityPolicy));
  r.headers.emplace_back("x-content-type-options", "nosniff");
  r.headers.emplace_back("referrer-policy", "no-referrer");
  r.headers.emplace_back("x-frame-options", "DENY");
}

/// The API's error body (docs/http.md) for a 404 or 405, with the app's headers.
Response Refused(int status, std::string message) {
  Response r = JsonResponse(status, boost::json::object{{"statusCode", status},
                                                        {"error", ReasonPhrase(status)},
                                                        {"message", std::move(message)},
                                                        {"code", status == 404 ? "NotFound" : "MethodNotAllowed"}});
  AddSecurityHeaders(r);
  return r;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Whether Accept-Encoding accepts `coding` (RFC 9110 §12.5.3): named, or `*`, with a
/// q-value above 0. Case-insensitive, as content codings are.
bool Accepts(std::string_view header, std::string_view coding) {
  bool star = false, named = false, named_refused = false;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    std::string_view name = Trim(item.substr(0, item.find(';')));
    bool zero = false;
    if (const auto q = item.find(";"); q != std::string_view::npos) {
      std::string_view param = Trim(item.substr(q + 1));
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        param = Trim(param.substr(2));
        zero = param.find_first_not_of("0.") == std::string_view::npos;
      }
    }
    const bool is_coding = name.size() == coding.size() &&
                           std::equal(name.begin(), name.end(), coding.begin(), [](char a, char b) {
                             return (a | 0x20) == b;
                           });
    if (is_coding) (zero ? named_refused : named) = true;
    if (name == "*" && !zero) star = true;
  }
  return named || (star && !named_refused);
}

/// Whether If-None-Match names `etag` (weakly compared, RFC 9110 §13.1.2), or is `*`.
bool NoneMatch(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

}  // namespace

Response WebApp::Serve(const Request& request) const {
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  const auto found = files_.find(path == "/" ? std::string_view("/index.html") : path);
  // The app routes by the URL's fragment, so "/" is its only page: any other name is 404.
  if (found == files_.end()) return Refused(404, "no such file in the web app");
  // HEAD answers as GET does, and the transport leaves the body out (http_session.cpp).
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = Refused(405, "the web app's files are read with GET or HEAD");
    r.headers.emplace_back("allow", "GET, HEAD");
    return r;
  }
  const File& file = found->second;
  const std::string_view accept = request.Header("accept-encoding");
  const Variant* variant = &file.identity;
  const char* coding = nullptr;
  if (!file.brotli.body.empty() && Accepts(accept, "br")) {
    variant = &file.brotli;
    coding = "br";
  } else if (!file.gzip.body.empty() && Accepts(accept, "gzip")) {
    variant = &file.gzip;
    coding = "gzip";
  }
  Response r;
  r.headers.reserve(10);
  r.headers.emplace_back("content-type", file.type);
  r.headers.emplace_back("etag", variant->etag);
  r.headers.emplace_back("vary", "Accept-Encoding");
  r.headers.emplace_back("cache-control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (coding) r.headers.emplace_back("content-encoding", coding);
  AddSecurityHeaders(r);
  if (NoneMatch(request.Header("if-none-match"), variant->etag)) {
    r.status = 304;
    return r;
  }
  r.body = variant->body;
  return r;
}

}  // namespace libsync::web
