// WebApp::Load: the built app read from its directory once, at start. Every listed path
// is opened a component at a time with O_NOFOLLOW, so a symlink anywhere on the way (to
// /etc/passwd, or to a directory outside) fails the open instead of being followed.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <cstring>
#include <optional>

#include "libsync/http/web_app.hpp"

namespace libsync::web {
namespace {

/// The largest file the app may list. The editor chunk, its largest, is under 1 MB; a
/// listed file far past that is a mistake or a trap, and it would be held in memory for
/// the server's life.
constexpr off_t kMaxWebFileBytes = 32 * 1024 * 1024;

/// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

/// Whether `path` is "/a/b.js"-shaped: segments of letters, digits and `._-`, none of them
/// empty, "." or "..". The manifest is written by our build, but it is read from a
/// directory anyone with write access there could change, so it is checked like input.
bool IsPlainPath(std::string_view path) {
  if (!path.starts_with('/') || path.size() < 2) return false;
  std::size_t segment_start = 1;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      const auto segment = path.substr(segment_start, i - segment_start);
      if (segment.empty() || segment == "." || segment == "..") return false;
      segment_start = i + 1;
      continue;
    }
    const char c = path[i];
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_' || c == '-';
    if (!plain) return false;
  }
  return true;
}

/// Reads the regular file at `relative` ("assets/a.js") under the directory `root`,
/// following no symlink on the way. Nullopt when it is absent; an error when it is not a
/// regular file reached through real directories.
Result<std::optional<std::string>> ReadBeneath(int root, std::string_view relative) {
  int dir = root;
  std::optional<Fd> held;  // the intermediate directory open now, if any
  std::size_t start = 0;
  for (;;) {
    const auto slash = relative.find('/', start);
    const std::string name(relative.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                                    : slash - start));
    const bool last = slash == std::string_view::npos;
    const int fd = openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
    if (fd < 0) {
      if (errno == ENOENT) return std::optional<std::string>();
      return Status::InvalidArgument("web app file '" + std::string(relative) + "' cannot be opened (" +
                                     std::strerror(errno) + "; a symlink is never followed)");
    }
    if (!last) {
      held.emplace(fd);
      dir = fd;
      start = slash + 1;
      continue;
    }
    Fd file(fd);
    struct stat st {};
    if (fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::InvalidArgument("web app file '" + std::string(relative) + "' is not a regular file");
    }
    if (st.st_size > kMaxWebFileBytes) {
      return Status::InvalidArgument("web app file '" + std::string(relative) + "' is larger than 32 MiB");
    }
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = read(file.get(), bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::InvalidArgument("web app file '" + std::string(relative) + "' could not be read");
      got += static_cast<std::size_t>(n);
    }
    return std::optional<std::string>(std::move(bytes));
  }
}

Result<std::string> RequiredString(const boost::json::object& entry, std::string_view field) {
  const auto* value = entry.if_contains(field);
  if (!value || !value->is_string() || value->as_string().empty()) {
    return Status::InvalidArgument("web app manifest: a file without '" + std::string(field) + "'");
  }
  return std::string(value->as_string());
}

/// A file entry of the manifest, read with its siblings.
Result<std::pair<std::string, WebApp::File>> ReadEntry(int root, const boost::json::value& item) {
  if (!item.is_object()) return Status::InvalidArgument("web app manifest: a file entry is not an object");
  const auto& entry = item.as_object();
  auto path = RequiredString(entry, "path");
  if (!path) return path.error();
  auto type = RequiredString(entry, "type");
  if (!type) return type.error();
  auto sha256 = RequiredString(entry, "sha256");
  if (!sha256) return sha256.error();
  if (!IsPlainPath(*path) || type->find_first_of("\r\n") != std::string::npos ||
      sha256->find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Status::InvalidArgument("web app manifest: '" + *path + "' is not a plain file entry");
  }
  WebApp::File file;
  file.type = std::move(*type);
  const auto* cache = entry.if_contains("cache");
  file.immutable = cache && cache->is_string() && cache->as_string() == "immutable";
  // One ETag per representation (RFC 9110 §8.8.3), each from the content's hash.
  const std::string tag = sha256->substr(0, 32);
  const std::string relative = path->substr(1);
  auto identity = ReadBeneath(root, relative);
  if (!identity) return identity.error();
  if (!*identity) return Status::InvalidArgument("web app file '" + *path + "' is listed but missing");
  file.identity = {std::move(**identity), '"' + tag + '"'};
  auto gzip = ReadBeneath(root, relative + ".gz");
  if (!gzip) return gzip.error();
  if (*gzip) file.gzip = {std::move(**gzip), '"' + tag + "-gz\""};
  auto brotli = ReadBeneath(root, relative + ".br");
  if (!brotli) return brotli.error();
  if (*brotli) file.brotli = {std::move(**brotli), '"' + tag + "-br\""};
  return std::pair{std::move(*path), std::move(file)};
}

}  // namespace

Result<std::unique_ptr<const WebApp>> WebApp::Load(const std::string& dir) {
  // The directory itself may be a symlink (an install's choice); nothing below it may.
  const int root_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return Status::NotFound("no web app directory at '" + dir + "'");
  Fd root(root_fd);
  auto manifest_text = ReadBeneath(root.get(), "manifest.json");
  if (!manifest_text) return manifest_text.error();
  if (!*manifest_text) return Status::NotFound("no manifest.json in '" + dir + "' (build the web-app target)");
  boost::system::error_code ec;
  const auto manifest = boost::json::parse(**manifest_text, ec);
  if (ec || !manifest.is_object() || !manifest.as_object().if_contains("files") ||
      !manifest.as_object().at("files").is_array()) {
    return Status::InvalidArgument("'" + dir + "/manifest.json' is not a web app manifest");
  }
  std::map<std::string, File, std::less<>> files;
  for (const auto& item : manifest.as_object().at("files").as_array()) {
    auto entry = ReadEntry(root.get(), item);
    if (!entry) return entry.error();
    files.insert_or_assign(std::move(entry->first), std::move(entry->second));
  }
  if (!files.count("/index.html")) return Status::InvalidArgument("the web app manifest lists no /index.html");
  return std::unique_ptr<const WebApp>(new WebApp(std::move(files)));
}

}  // namespace libsync::web
