#include "data_dir.hpp"

#include <sys/stat.h>

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

}  // namespace aitk_server
