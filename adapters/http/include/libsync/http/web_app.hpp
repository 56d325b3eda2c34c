#pragma once
// The lead's web app as aitk-server serves it (docs/web.md): the files a built `web/dist`
// lists in its manifest.json, read into memory once at start, with their precompressed
// siblings. Only those files are ever served, by their exact path, so no request can
// name anything else on the disk: a `..`, an encoded dot, a backslash or a NUL is simply
// not a listed name (404). A listed file that is a symlink, or under one, is refused at
// start, so nothing placed in the directory later can point the server outside it.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "libsync/http/api.hpp"

namespace libsync::web {

/// The headers every answer of the app carries, its 404s included: a Content-Security-
/// Policy that lets scripts and styles come only from this origin (no inline code, no
/// eval), forbids framing, and stops MIME sniffing and referrers.
inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The built app, immutable once loaded. Thread-safe: Serve may be called from any thread.
class WebApp {
 public:
  /// One representation of a file: its bytes as sent and its strong ETag.
  struct Variant {
    std::string body;
    std::string etag;
  };
  /// A listed file: the identity bytes, and the gzip and brotli siblings when present.
  struct File {
    std::string type;
    bool immutable = false;  ///< content-hashed name: cached for good; else revalidated
    Variant identity, gzip, brotli;
  };

  /// Reads `dir`/manifest.json and every file it lists (with `.gz` and `.br` beside each,
  /// when present). Expected errors: kNotFound (no manifest), kInvalidArgument (a malformed
  /// manifest, a listed path that is not a plain relative name, a listed file missing or
  /// not a regular file, or reached through a symlink).
  static Result<std::unique_ptr<const WebApp>> Load(const std::string& dir);

  /// Whether `target` is the app's to answer: every path not under /api/ but /metrics,
  /// which is the route table's too (the transport answers its GET; another method gets
  /// the table's 405 rather than the app's 404).
  static bool Owns(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    return !path.starts_with("/api/") && path != "/api" && path != "/metrics";
  }

  /// The answer to a GET for `/` (index.html) or a listed file: the brotli or gzip
  /// sibling when Accept-Encoding allows, 304 when If-None-Match names its ETag, and 404
  /// (with the same security headers) for anything else; 405 for another method.
  Response Serve(const Request& request) const;

  std::size_t file_count() const { return files_.size(); }

 private:
  explicit WebApp(std::map<std::string, File, std::less<>> files) : files_(std::move(files)) {}
  std::map<std::string, File, std::less<>> files_;  ///< by path as requested ("/index.html")
};

}  // namespace libsync::web
