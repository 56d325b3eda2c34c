#pragma once
// Numbered migrations from an empty database, or from the original platform's schema,
// to the current one.

#include <string>
#include <utility>
#include <vector>

#include "dialect.hpp"
#include "libsync/result.hpp"
#include "libsync/status.hpp"
#include "query.hpp"

namespace libsync::sql {

/// One numbered migration: its statements, in order, for one dialect.
struct Migration {
  int version;
  const char* name;
  std::vector<std::string> statements;
  /// What the migration does beyond its statements, in words (for `migrate --sql`); empty
  /// when nothing.
  const char* also;
};

/// Every migration, oldest first; `Migrations(d)[i].version == i + 1`.
std::vector<Migration> Migrations(Dialect dialect);

/// The number of the newest migration.
int LatestSchemaVersion();

/// The statement that creates the "Migration" table when it is missing.
std::string MigrationTableStatement(Dialect dialect);

/// The versions recorded in "Migration" and when each was applied, oldest first; empty when
/// the table does not exist (a new database, or one only the original platform migrated).
/// Reads only. Throws as Query does.
std::vector<std::pair<int, std::string>> AppliedMigrations(const Channel& channel, Dialect dialect);

/// Applies every migration the database lacks, all in one transaction, recording each in
/// "Migration", and returns the versions it applied. On PostgreSQL with a `schema`, creates
/// that schema first when missing. Safe to run from several processes at once: SQLite's
/// write lock, PostgreSQL's advisory lock. Expected errors: kPreconditionFailed (the
/// database is newer than this build). Throws as Query does.
Result<std::vector<int>> Migrate(const Channel& channel, Dialect dialect, const std::string& schema = {});

}  // namespace libsync::sql
