// Online backup and checked restore of the SQLite database (sqlite_backup.hpp), with
// SQLite's C API directly: the backup API copies pages between two connections.

#include "libsync/sql/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "database_url.hpp"
#include "schema.hpp"

namespace libsync::sql {
namespace {

namespace fs = std::filesystem;

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

Result<std::string> SqlitePath(const std::string& url) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  if (target.dialect != Dialect::kSqlite) {
    return Status::InvalidArgument(
        "backup and restore are for the embedded SQLite database; on PostgreSQL use pg_dump and pg_restore "
        "(docs/deploy.md)");
  }
  return target.sqlite_path;
}

// `vfs` null: SQLite's default.
Result<Db> OpenFile(const std::string& path, int flags, const char* vfs = nullptr) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Status::Unavailable("cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

Status Exec(sqlite3* db, const char* sql, const std::string& what) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::Ok();
  std::string message = error ? error : sqlite3_errstr(sqlite3_errcode(db));
  sqlite3_free(error);
  const int code = sqlite3_errcode(db) & 0xFF;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return Status::Unavailable(what + ": " + message +
                               " (a server holds the database alone: back up through it, giving the command "
                               "that server's --data-dir, or run the server with --sqlite-shared)");
  }
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) return Status::InvalidArgument(what + ": " + message);
  return Status::Unavailable(what + ": " + message);
}

// The first column of each row of `sql`, as text.
Result<std::vector<std::string>> Column(sqlite3* db, const char* sql, const std::string& what) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    const int code = sqlite3_errcode(db) & 0xFF;
    std::string message = what + ": " + sqlite3_errmsg(db);
    sqlite3_finalize(raw);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT || code == SQLITE_ERROR) {
      return Status::InvalidArgument(message);
    }
    return Status::Unavailable(message);
  }
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, sqlite3_finalize);
  std::vector<std::string> rows;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(raw, 0);
    rows.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  if (rc != SQLITE_DONE) return Status::InvalidArgument(what + ": " + sqlite3_errmsg(db));
  return rows;
}

// A snapshot worth restoring: intact, and libsync's at a version this build can serve.
Status CheckSnapshot(sqlite3* db, const std::string& path) {
  LIBSYNC_ASSIGN_OR_RETURN(auto integrity, Column(db, "PRAGMA integrity_check", path + " is not a usable database"));
  if (integrity.empty() || integrity.front() != "ok") {
    std::string problems;
    for (std::size_t i = 0; i < integrity.size() && i < 3; ++i) problems += (i ? "; " : "") + integrity[i];
    return Status::InvalidArgument(path + " fails PRAGMA integrity_check: " + problems);
  }
  LIBSYNC_ASSIGN_OR_RETURN(auto tables, Column(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = "
                                                   "'Migration'", path + " is not a usable database"));
  if (tables.empty()) return Status::InvalidArgument(path + " is not a libsync database (it has no \"Migration\" table)");
  LIBSYNC_ASSIGN_OR_RETURN(auto versions, Column(db, "SELECT COALESCE(MAX(\"version\"), 0) FROM \"Migration\"",
                                                 path + " is not a usable database"));
  const int version = versions.empty() ? 0 : std::atoi(versions.front().c_str());
  if (version < 1) return Status::InvalidArgument(path + " is not a libsync database (no migration recorded)");
  if (version > LatestSchemaVersion()) {
    return Status::PreconditionFailed(path + " has schema version " + std::to_string(version) +
                                      ", newer than this build supports (" + std::to_string(LatestSchemaVersion()) +
                                      "); restore it with the release that wrote it");
  }
  return Status::Ok();
}

// Flushes a finished file to the disk before it is renamed into place, so a power loss
// never leaves the name pointing at a half-written file.
Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Status::Unavailable("cannot open " + path + " to flush it");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : Status::Unavailable("cannot flush " + path + " to the disk");
}

// A name beside `path` for a file being written, unique to this process.
std::string Scratch(const std::string& path, const char* what) {
  return path + "." + what + "-" + std::to_string(::getpid());
}

Status CopySnapshot(sqlite3* source, sqlite3* target, const SqliteBackupOptions& options) {
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", source, "main");
  if (!backup) return Status::Unavailable(std::string("cannot start the backup: ") + sqlite3_errmsg(target));
  int rc;
  while ((rc = sqlite3_backup_step(backup, options.pages_per_step)) == SQLITE_OK || rc == SQLITE_BUSY ||
         rc == SQLITE_LOCKED) {
    std::this_thread::sleep_for(options.pause);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return Status::Unavailable(std::string("backup failed: ") + sqlite3_errstr(rc));
  return Status::Ok();
}

}  // namespace

Status BackupSqlite(const std::string& url, const std::string& destination, const SqliteBackupOptions& options) {
  LIBSYNC_ASSIGN_OR_RETURN(std::string path, SqlitePath(url));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::InvalidArgument("no database at " + path);
  // The store's VFS by name: the same one its "?vfs=unix-excl" URI selects.
  LIBSYNC_ASSIGN_OR_RETURN(Db source, OpenFile(path, SQLITE_OPEN_READWRITE,
                                               options.through_this_process_exclusive_store ? "unix-excl" : nullptr));
  // One read transaction over every step: the copy is the database as of this moment. In
  // WAL mode it holds no writer up; commits meanwhile go to the WAL, past this snapshot.
  // (Without it, each step would start its own read and a commit by another process
  // would restart the copy from the first page, for ever under steady writes.)
  LIBSYNC_RETURN_IF_ERROR(Exec(source.get(), "BEGIN", "cannot read " + path));
  LIBSYNC_RETURN_IF_ERROR(Exec(source.get(), "SELECT COUNT(*) FROM sqlite_master", "cannot read " + path));
  const std::string scratch = Scratch(destination, "partial");
  fs::remove(scratch, ec);
  Status copied;
  {
    auto target = OpenFile(scratch, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!target) return target.error();
    copied = CopySnapshot(source.get(), target->get(), options);
    // A snapshot is one self-contained file: no -wal beside it to lose on the way to
    // wherever backups go. The server switches it back to WAL when it opens it.
    if (copied.ok()) copied = Exec(target->get(), "PRAGMA journal_mode=DELETE", "cannot finish " + scratch);
    if (copied.ok()) copied = CheckSnapshot(target->get(), destination);
  }
  (void)Exec(source.get(), "COMMIT", "cannot end the read of " + path);
  if (copied.ok()) {
    fs::permissions(scratch, fs::perms::owner_read | fs::perms::owner_write, ec);
    if (ec) copied = Status::Unavailable("cannot restrict " + scratch + " to its owner: " + ec.message());
  }
  if (copied.ok()) copied = SyncFile(scratch);
  if (copied.ok()) {
    fs::rename(scratch, destination, ec);
    if (ec) copied = Status::Unavailable("cannot write " + destination + ": " + ec.message());
  }
  if (!copied.ok()) fs::remove(scratch, ec);
  return copied;
}

Status RestoreSqlite(const std::string& snapshot, const std::string& url) {
  LIBSYNC_ASSIGN_OR_RETURN(std::string path, SqlitePath(url));
  std::error_code ec;
  if (!fs::is_regular_file(snapshot, ec)) return Status::InvalidArgument("no snapshot at " + snapshot);
  // Checked on a copy beside the database: the snapshot itself is never written (opening it
  // could leave -wal/-shm files beside it, or it may be read-only), and the rename below
  // stays on one file system.
  const std::string scratch = Scratch(path, "restoring");
  fs::copy_file(snapshot, scratch, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::Unavailable("cannot copy " + snapshot + " to " + scratch + ": " + ec.message());
  Status checked;
  {
    auto db = OpenFile(scratch, SQLITE_OPEN_READWRITE);
    checked = db ? CheckSnapshot(db->get(), snapshot) : db.error();
    // Leaves the copy in rollback-journal form for the moment of the swap; the server
    // puts it back in WAL mode when it opens it.
    if (checked.ok()) checked = Exec(db->get(), "PRAGMA journal_mode=DELETE", "cannot prepare " + scratch);
  }
  if (checked.ok()) checked = SyncFile(scratch);
  if (!checked.ok()) {
    fs::remove(scratch, ec);
    fs::remove(scratch + "-journal", ec);
    return checked;
  }
  // The old database's WAL holds pages of the old database: applied to the snapshot they
  // would corrupt it. They go with it.
  if (fs::exists(path, ec)) {
    fs::rename(path, path + ".before-restore", ec);
    if (ec) {
      fs::remove(scratch, ec);
      return Status::Unavailable("cannot set " + path + " aside: " + ec.message());
    }
    for (const char* suffix : {"-wal", "-shm"}) {
      std::error_code ignored;
      fs::remove(path + ".before-restore" + suffix, ignored);
      fs::rename(path + suffix, path + ".before-restore" + suffix, ignored);
    }
  }
  fs::rename(scratch, path, ec);
  if (ec) return Status::Unavailable("cannot put the snapshot in place at " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace libsync::sql
