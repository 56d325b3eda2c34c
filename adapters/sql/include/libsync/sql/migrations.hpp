#pragma once
// Migrations as a step of their own, for deployments that migrate before they start
// servers (`aitk-server migrate`, like Prisma's `db:migrate`). OpenSqlStore migrates at
// open unless told not to (SqlStoreOptions::migrate); these are the same migrations.

#include <string>
#include <vector>

#include "libsync/result.hpp"

namespace libsync::sql {

/// One migration this build knows, and whether the database has it.
struct MigrationState {
  int version = 0;
  std::string name;        ///< e.g. "libsync-additions"
  std::string applied_at;  ///< as the database recorded it; empty while pending
};

/// Every migration this build knows, oldest first, applied or pending, for the database
/// at `url` (a SqlStoreOptions::url). Reads only: a SQLite file that does not exist is not
/// created (every migration is then pending). Expected errors: kInvalidArgument (bad URL),
/// kUnavailable (cannot connect; the SQLite file is held by a server alone).
Result<std::vector<MigrationState>> ReadMigrationStates(const std::string& url);

/// The SQL the pending migrations would run on the database at `url`, as a script of
/// statements each ending in ';' (comments say which migration each belongs to, and what
/// a migration does beyond its SQL); empty when nothing is pending. Runs nothing.
/// Expected errors: those of ReadMigrationStates.
Result<std::string> PendingMigrationSql(const std::string& url);

/// Applies every pending migration in one transaction and returns the versions applied
/// (empty when none were pending). Safe to run from several hosts at once: a PostgreSQL
/// advisory lock (SQLite: its write lock) lets one in at a time, and those after it find
/// nothing pending. Expected errors: those of ReadMigrationStates, kPreconditionFailed
/// (the database is newer than this build).
Result<std::vector<int>> ApplyMigrations(const std::string& url);

}  // namespace libsync::sql
