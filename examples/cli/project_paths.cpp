#include "project_paths.hpp"

#include "libsync/validation.hpp"

namespace aitk {

namespace fs = std::filesystem;
using libsync::Status;

libsync::Result<fs::path> PathInProject(const fs::path& project_dir, const std::string& relative) {
  if (Status s = libsync::ValidateFileName(relative); !s.ok()) {
    return Status::InvalidArgument("refusing to write '" + relative + "': " + s.message());
  }
  fs::path path = project_dir;
  for (const fs::path& part : fs::path(relative)) {
    path /= part;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(path, ec))) {
      return Status::InvalidArgument("refusing to write '" + relative + "': " + path.string() +
                                     " is a symbolic link");
    }
  }
  return path;
}

}  // namespace aitk
