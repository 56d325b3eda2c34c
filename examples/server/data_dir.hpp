#pragma once
// The server's data directory holds the database, the admin token and the keys that seal
// git tokens: nobody but the server's user may read it.

#include <optional>
#include <string>

#include "libsync/result.hpp"
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


/// How a running server is reached from this machine, for `aitk-server backup`.
struct ServerAddress {
  std::string url;          ///< "http://127.0.0.1:3001" or "https://127.0.0.1:3001"
  std::string database;     ///< the database URL the server serves
  std::string certificate;  ///< with https: the PEM certificate file the server serves
};

/// Writes `address` into DIR/server.address (mode 0600) and holds an exclusive lock on the
/// file for as long as this process runs: the lock is what tells a reader the address is
/// live rather than left by a server that crashed. Expected errors: kUnavailable.
libsync::Status PublishServerAddress(const std::string& dir, const ServerAddress& address);

/// Removes the file PublishServerAddress wrote (at a clean exit).
void ForgetServerAddress(const std::string& dir);

/// The address a live server published in `dir`, or nullopt when none did (no file, or a
/// file no process holds). Expected errors: kUnavailable (the server is still writing it).
libsync::Result<std::optional<ServerAddress>> ReadServerAddress(const std::string& dir);

}  // namespace aitk_server
