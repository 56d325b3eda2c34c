#pragma once
// `aitk-server backup FILE` and `aitk-server restore FILE`: snapshots of the embedded
// SQLite database (docs/deploy.md; PostgreSQL uses pg_dump and pg_restore).

namespace aitk_server {

/// `argv` holds the arguments after "backup". Runs while a server serves the database (one
/// started with --sqlite-shared, so another process may read it). Exit code: 0 written,
/// 1 failed (the reason on stderr), 2 bad usage.
int RunBackup(int argc, char** argv);

/// `argv` holds the arguments after "restore". Refuses while a server runs on the data
/// directory. Exit code as RunBackup's.
int RunRestore(int argc, char** argv);

}  // namespace aitk_server
