#pragma once
// The server's data directory holds the database, the admin token and the keys that seal
// git tokens: nobody but the server's user may read it.

#include <string>

#include "libsync/status.hpp"

namespace aitk_server {

/// Makes every file and folder the process creates from now on its owner's alone (umask
/// 0077): the SQLite database and its -wal/-shm files, git caches, secrets. Call first.
void KeepCreatedFilesPrivate();

/// Creates `dir` (mode 0700) when missing. An existing one that its group or others may
/// enter, read or write is refused with kPermissionDenied saying how to fix it: the server
/// would otherwise keep its secrets in a folder others can read.
libsync::Status PreparePrivateDataDir(const std::string& dir);

/// Marks `dir` as served for as long as this process runs: a shared lock on DIR/server.lock,
/// which several servers (on one PostgreSQL) may hold together. Expected errors:
/// kUnavailable (the lock file cannot be created).
libsync::Status MarkDataDirServed(const std::string& dir);

/// Takes DIR/server.lock alone for the rest of this process, for a command that must not
/// run beside a server (restore). Expected errors: kUnavailable (a server runs on `dir`,
/// or the lock file cannot be created).
libsync::Status TakeDataDirAlone(const std::string& dir);

}  // namespace aitk_server
