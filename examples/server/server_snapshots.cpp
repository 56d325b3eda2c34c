#include "server_snapshots.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>

#include "libsync/sql/sqlite_backup.hpp"

namespace aitk_server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "libsync-";
constexpr std::string_view kSuffix = ".db";

// "libsync-20261130T104512Z-3f9a1c07.db": sorts by time; the random part keeps two names
// apart within one second, and says nothing a reader could use.
std::string NewSnapshotName() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::random_device random;
  char tail[16];
  std::snprintf(tail, sizeof tail, "%08x", static_cast<unsigned>(random()));
  return std::string(kPrefix) + stamp + "-" + tail + std::string(kSuffix);
}

}  // namespace

bool IsSnapshotName(const std::string& name) {
  // kPrefix, 16 characters of time, '-', 8 hex digits, kSuffix.
  if (name.size() != kPrefix.size() + 16 + 1 + 8 + kSuffix.size()) return false;
  if (name.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  if (name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) return false;
  for (std::size_t i = kPrefix.size(); i < name.size() - kSuffix.size(); ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'T' || c == 'Z' || c == '-')) return false;
  }
  return true;
}

std::size_t ServerSnapshots::RemoveExpired() const {
  std::error_code ec;
  std::size_t kept = 0;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    std::error_code entry_ec;
    const auto written = entry.last_write_time(entry_ec);
    if (entry_ec) continue;
    // Also what an interrupted copy left (its ".partial-<pid>" scratch file).
    if (now - written > options_.keep_uncollected) {
      fs::remove(entry.path(), entry_ec);
    } else if (IsSnapshotName(entry.path().filename().string())) {
      ++kept;
    }
  }
  return kept;
}

libsync::Result<libsync::web::StoreSnapshot> ServerSnapshots::Take() {
  std::unique_lock taking(taking_, std::try_to_lock);
  if (!taking.owns_lock()) {
    return libsync::Status(libsync::ErrorCode::kLockHeld, "a backup is being taken; try again once it is done");
  }
  std::error_code ec;
  if (fs::create_directory(options_.dir, ec)) fs::permissions(options_.dir, fs::perms::owner_all, ec);
  if (ec) return libsync::Status::Unavailable("cannot create " + options_.dir + ": " + ec.message());
  if (const std::size_t waiting = RemoveExpired(); waiting >= options_.max_uncollected) {
    return libsync::Status(libsync::ErrorCode::kRateLimited,
                           std::to_string(waiting) + " snapshots in " + options_.dir +
                               " wait to be collected; each is removed " +
                               std::to_string(options_.keep_uncollected.count()) + " minutes after it was written");
  }
  const std::string name = NewSnapshotName();
  const std::string path = options_.dir + "/" + name;
  LIBSYNC_RETURN_IF_ERROR(libsync::sql::BackupSqlite(options_.database_url, path,
                                                     {.through_this_process_exclusive_store = true}));
  const auto bytes = fs::file_size(path, ec);
  if (ec) return libsync::Status::Unavailable("cannot read the size of " + path + ": " + ec.message());
  return libsync::web::StoreSnapshot{name, static_cast<std::uint64_t>(bytes)};
}

}  // namespace aitk_server
