#pragma once
// Snapshots of the embedded SQLite database while a server writes to it, and putting one
// back. PostgreSQL has its own tools for this (pg_dump, pg_restore; docs/deploy.md).

#include <chrono>
#include <string>

#include "libsync/status.hpp"

namespace libsync::sql {

struct SqliteBackupOptions {
  /// Pages copied per step. Writers are never blocked by the copy (in WAL mode a reader
  /// does not hold them up); the steps and pauses keep it from taking the disk whole.
  int pages_per_step = 256;
  /// Pause between steps.
  std::chrono::milliseconds pause{1};
  /// Read the database the way this process's exclusive store opened it
  /// (SqlStoreOptions::sqlite_exclusive, SQLite's "unix-excl" VFS). No other process can
  /// read such a file while the store is open, but a connection of the same process opened
  /// through the same VFS shares the store's lock and its in-memory WAL index: this is how
  /// a server that holds its database alone takes a snapshot of it. Off: an ordinary
  /// connection, for a file no process holds alone.
  bool through_this_process_exclusive_store = false;
};

/// Writes a consistent snapshot of the SQLite database at `url` ("sqlite://...") to the
/// file `destination`, with SQLite's online backup API: the snapshot is the database as of
/// the moment the copy starts (one read transaction spans every step), and commits made
/// meanwhile by the server are not in it. The file appears only once complete (written
/// beside it, checked, then renamed; an existing file is replaced), with the mode 0600
/// whatever the umask: it holds key hashes and sealed git tokens. Expected errors:
/// kInvalidArgument (not a sqlite:// URL; no database there), kUnavailable (the database
/// is held by a server alone, or the destination cannot be written).
Status BackupSqlite(const std::string& url, const std::string& destination, const SqliteBackupOptions& options = {});

/// Puts the snapshot `snapshot` in place of the SQLite database at `url`, after checking
/// it: it must be a SQLite database that passes PRAGMA integrity_check and carries a
/// libsync schema no newer than this build. The database it replaces is kept beside it as
/// "<file>.before-restore"; its -wal and -shm files are removed (they belong to it). The
/// caller makes sure no process has the database open. Nothing changes when a check
/// fails. Expected errors: kInvalidArgument (not a sqlite:// URL; the snapshot is missing,
/// not a database, corrupt, or not libsync's), kPreconditionFailed (its schema is newer
/// than this build), kUnavailable (a file cannot be written).
Status RestoreSqlite(const std::string& snapshot, const std::string& url);

}  // namespace libsync::sql
