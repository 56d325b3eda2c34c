#pragma once
// `aitk-server backup FILE` and `aitk-server restore FILE`: snapshots of the embedded
// SQLite database (docs/deploy.md; PostgreSQL uses pg_dump and pg_restore).

namespace aitk_server {

/// `argv` holds the arguments after "backup". Runs while a server serves the database: a
/// server holding it alone (the default) is asked to take the snapshot itself over the
/// loopback address it published in the data directory (POST /api/admin/backup, with the
/// admin token from AITK_ADMIN_TOKEN or DIR/admin-token), and the file it wrote is moved to
/// FILE; otherwise (no server, or one started with --sqlite-shared) the database is read
/// here. Exit code: 0 written, 1 failed (the reason on stderr: the server does not answer,
/// refused the token, is taking another backup...), 2 bad usage.
int RunBackup(int argc, char** argv);

/// `argv` holds the arguments after "restore". Refuses while a server runs on the data
/// directory. Exit code as RunBackup's.
int RunRestore(int argc, char** argv);

}  // namespace aitk_server
