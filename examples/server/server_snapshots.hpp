#pragma once
// The running server's side of `aitk-server backup`: snapshots of the SQLite database it
// holds alone, written into DIR/backups/ for the command to collect (POST /api/admin/backup).

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "libsync/http/api.hpp"

namespace aitk_server {

struct ServerSnapshotsOptions {
  std::string dir;           ///< where snapshots are written (DIR/backups), created 0700
  std::string database_url;  ///< the server's own "sqlite://..." database
  /// A snapshot the command has not moved out by then is removed: the command collects
  /// it right after the answer, so only an interrupted command leaves one behind.
  std::chrono::minutes keep_uncollected{10};
  /// At most this many uncollected snapshots at once (more: kRateLimited), so repeated
  /// calls cannot fill the disk with copies of the database.
  std::size_t max_uncollected = 4;
};

/// Takes snapshots through this process's exclusive store (SqliteBackupOptions::
/// through_this_process_exclusive_store), one at a time. Thread-safe.
class ServerSnapshots {
 public:
  explicit ServerSnapshots(ServerSnapshotsOptions options) : options_(std::move(options)) {}

  /// Writes a checked snapshot (mode 0600) under a new name of its own into the directory.
  /// Expected errors: kLockHeld (another is being taken), kRateLimited (max_uncollected
  /// wait), kUnavailable (the copy or the directory failed).
  libsync::Result<libsync::web::StoreSnapshot> Take();

  /// Removes what is older than keep_uncollected; returns how many snapshots remain.
  std::size_t RemoveExpired() const;

 private:
  ServerSnapshotsOptions options_;
  std::mutex taking_;
};

/// Whether `name` is one ServerSnapshots gives (so the command never follows a name
/// that could lead out of the directory).
bool IsSnapshotName(const std::string& name);

}  // namespace aitk_server
