#pragma once
// Numbered migrations from an empty database, or from the original platform's schema,
// to the current one.

#include "dialect.hpp"
#include "libsync/status.hpp"
#include "query.hpp"

namespace libsync::sql {

/// The number of the newest migration.
int LatestSchemaVersion();

/// Applies every migration the database lacks, all in one transaction, recording each in
/// "Migration". Safe to run from several processes at once. Expected errors:
/// kPreconditionFailed (the database is newer than this build). Throws as Query does.
Status Migrate(const Channel& channel, Dialect dialect);

}  // namespace libsync::sql
