#include "data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>

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

}  // namespace aitk_server
