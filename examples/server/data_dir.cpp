#include "data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace aitk_server {
namespace fs = std::filesystem;

void KeepCreatedFilesPrivate() { ::umask(0077); }

libsync::Status PreparePrivateDataDir(const std::string& dir) {
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    fs::create_directories(dir, ec);
    if (ec) return libsync::Status::InvalidArgument("cannot create data directory " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);  // whatever umask the parents were made with
    if (ec) return libsync::Status::InvalidArgument("cannot restrict data directory " + dir + ": " + ec.message());
    return libsync::Status::Ok();
  }
  if (!fs::is_directory(status)) return libsync::Status::InvalidArgument("data directory " + dir + " is not a directory");
  const fs::perms shared = status.permissions() & (fs::perms::group_all | fs::perms::others_all);
  if (shared != fs::perms::none) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.permissions() & fs::perms::mask));
    return libsync::Status(libsync::ErrorCode::kPermissionDenied,
                           "data directory " + dir + " is open to other users (mode " + mode +
                               "); it holds the database, the admin token and the encryption keys. Run: chmod 700 " +
                               dir);
  }
  return libsync::Status::Ok();
}

namespace {

// flock() locks belong to the open file, so the lock lasts exactly as long as the process
// (or until it exits however it exits: a crashed server frees its data directory). The
// descriptor is left open on purpose; close-on-exec keeps it from child processes.
libsync::Status LockDataDir(const std::string& dir, int operation, const std::string& held_by) {
  const std::string path = dir + "/server.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return libsync::Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, operation | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return libsync::Status::Unavailable(held_by + " " + dir + " (it holds " + path + ")");
    }
    return libsync::Status::Unavailable("cannot lock " + path + ": " + std::strerror(error));
  }
  return libsync::Status::Ok();
}

}  // namespace

libsync::Status MarkDataDirServed(const std::string& dir) {
  return LockDataDir(dir, LOCK_SH, "a restore is running on the data directory");
}

libsync::Status TakeDataDirAlone(const std::string& dir) {
  return LockDataDir(dir, LOCK_EX, "a server is running (stop it first) on the data directory");
}

namespace {

std::string AddressPath(const std::string& dir) { return dir + "/server.address"; }

// The descriptor whose lock marks the published address live; open until the process ends.
int published_fd = -1;

}  // namespace

libsync::Status PublishServerAddress(const std::string& dir, const ServerAddress& address) {
  const std::string path = AddressPath(dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return libsync::Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  std::string text = "url=" + address.url + "\ndatabase=" + address.database + "\n";
  if (!address.certificate.empty()) text += "certificate=" + address.certificate + "\n";
  // Blocking: a reader holds its shared lock for a moment only. The file is emptied under
  // the lock, so a reader never takes an old server's address for this one's.
  const bool written = ::flock(fd, LOCK_EX) == 0 && ::fchmod(fd, 0600) == 0 && ::ftruncate(fd, 0) == 0 &&
                       ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
  if (!written) {
    const int error = errno;
    ::close(fd);
    return libsync::Status::Unavailable("cannot write " + path + ": " + std::strerror(error));
  }
  published_fd = fd;
  return libsync::Status::Ok();
}

void ForgetServerAddress(const std::string& dir) {
  if (published_fd < 0) return;
  // Unlinked while still locked: a reader that opened it a moment ago takes it for live and
  // finds the server stopping, which it reports, rather than backing up beside it.
  ::unlink(AddressPath(dir).c_str());
  ::close(published_fd);
  published_fd = -1;
}

libsync::Result<std::optional<ServerAddress>> ReadServerAddress(const std::string& dir) {
  const std::string path = AddressPath(dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<ServerAddress>();
    return libsync::Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  }
  // A shared lock granted means no server holds the file: what it says is stale.
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::close(fd);
    return std::optional<ServerAddress>();
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  ServerAddress address;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "url") address.url = value;
    if (key == "database") address.database = value;
    if (key == "certificate") address.certificate = value;
  }
  if (address.url.empty() || address.database.empty()) {
    return libsync::Status::Unavailable("the server on " + dir + " is starting (" + path +
                                        " is not written yet); try again in a moment");
  }
  return std::optional<ServerAddress>(std::move(address));
}

}  // namespace aitk_server
