#include "schema.hpp"

#include <string>
#include <vector>

#include "libsync/credentials.hpp"
#include "libsync/ports/clock.hpp"
#include "dialect.hpp"
#include "doc_to_export.hpp"
#include "query.hpp"

namespace libsync::sql {
namespace {

// Migration 1 is the original platform's schema, verbatim in names, defaults,
// constraints and indexes; IF NOT EXISTS lets a database it created pass through.
std::vector<std::string> OriginalSchema(Dialect d) {
  const ColumnTypes t = TypesFor(d);
  const std::string now = "DEFAULT CURRENT_TIMESTAMP";
  return {
      std::string(R"(CREATE TABLE IF NOT EXISTS "Project" ("id" TEXT NOT NULL, "name" TEXT NOT NULL,
        "repoUrl" TEXT NOT NULL, "token" TEXT NOT NULL, "branch" TEXT NOT NULL DEFAULT 'main',
        "docsPath" TEXT NOT NULL DEFAULT 'docs', "createdAt" )") + t.time + " NOT NULL " + now +
          R"(, "updatedAt" )" + t.time + R"( NOT NULL, CONSTRAINT "Project_pkey" PRIMARY KEY ("id")))",
      std::string(R"(CREATE TABLE IF NOT EXISTS "Doc" ("id" TEXT NOT NULL, "projectId" TEXT NOT NULL,
        "fileName" TEXT NOT NULL, "content" TEXT NOT NULL, "hash" TEXT NOT NULL,
        "version" INTEGER NOT NULL DEFAULT 1, "createdAt" )") + t.time + " NOT NULL " + now +
          R"(, "updatedAt" )" + t.time + R"( NOT NULL, CONSTRAINT "Doc_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "Doc_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id")
          ON DELETE CASCADE ON UPDATE CASCADE))",
      std::string(R"(CREATE TABLE IF NOT EXISTS "Lock" ("id" TEXT NOT NULL, "projectId" TEXT NOT NULL,
        "lockedBy" TEXT NOT NULL, "lockedAt" )") + t.time + " NOT NULL " + now +
          R"(, "expiresAt" )" + t.time + R"( NOT NULL, "reason" TEXT,
        CONSTRAINT "Lock_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "Lock_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id")
          ON DELETE CASCADE ON UPDATE CASCADE))",
      std::string(R"(CREATE TABLE IF NOT EXISTS "ApiKey" ("id" TEXT NOT NULL, "projectId" TEXT NOT NULL,
        "key" TEXT NOT NULL, "name" TEXT NOT NULL, "isActive" )") + t.boolean + " NOT NULL DEFAULT " +
          t.boolean_true + R"(, "createdAt" )" + t.time + " NOT NULL " + now + R"(,
        CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "ApiKey_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id")
          ON DELETE CASCADE ON UPDATE CASCADE))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "Doc_projectId_fileName_key" ON "Doc"("projectId", "fileName"))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "Lock_projectId_key" ON "Lock"("projectId"))",
      R"(CREATE UNIQUE INDEX IF NOT EXISTS "ApiKey_key_key" ON "ApiKey"("key"))",
  };
}

// Migration 2: libsync's additions. Columns and tables are only ever added.
std::vector<std::string> LibsyncAdditions(Dialect d) {
  const ColumnTypes t = TypesFor(d);
  const std::string time = t.time;
  const std::string bigint = t.bigint;
  return {
      R"(ALTER TABLE "Project" ADD COLUMN "lastSyncedCommit" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "syncedAt" )" + time,
      R"(ALTER TABLE "Project" ADD COLUMN "lockFence" )" + bigint + " NOT NULL DEFAULT 0",
      R"(ALTER TABLE "Project" ADD COLUMN "eventSeq" )" + bigint + " NOT NULL DEFAULT 0",
      R"(ALTER TABLE "Doc" ADD COLUMN "baseBlobOid" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Doc" ADD COLUMN "updatedBy" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Lock" ADD COLUMN "tokenHash" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Lock" ADD COLUMN "fence" )" + bigint + " NOT NULL DEFAULT 0",
      R"(ALTER TABLE "ApiKey" ADD COLUMN "scope" TEXT NOT NULL DEFAULT 'read')",
      R"(ALTER TABLE "ApiKey" ADD COLUMN "prefix" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "ApiKey" ADD COLUMN "lastUsedAt" )" + time,
      R"(ALTER TABLE "ApiKey" ADD COLUMN "lastPulledHash" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "ApiKey" ADD COLUMN "lastPulledAt" )" + time,
      R"(CREATE TABLE "DocVersion" ("id" TEXT NOT NULL PRIMARY KEY, "docId" TEXT NOT NULL
        REFERENCES "Doc"("id") ON DELETE CASCADE ON UPDATE CASCADE, "projectId" TEXT NOT NULL
        REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE, "fileName" TEXT NOT NULL,
        "version" INTEGER NOT NULL, "content" TEXT NOT NULL, "hash" TEXT NOT NULL,
        "author" TEXT NOT NULL DEFAULT '', "source" TEXT NOT NULL DEFAULT 'api',
        "createdAt" )" + time + R"( NOT NULL))",
      R"(CREATE UNIQUE INDEX "DocVersion_docId_version_key" ON "DocVersion"("docId", "version"))",
      R"(CREATE INDEX "DocVersion_projectId_idx" ON "DocVersion"("projectId"))",
      // On SQLite the log is one b-tree (WITHOUT ROWID), so each append dirties one page
      // less before the commit's fsync.
      R"(CREATE TABLE "Event" ("projectId" TEXT NOT NULL REFERENCES "Project"("id")
        ON DELETE CASCADE ON UPDATE CASCADE, "seq" )" + bigint + R"( NOT NULL, "type" TEXT NOT NULL,
        "payload" TEXT NOT NULL, "createdAt" )" + time + R"( NOT NULL,
        PRIMARY KEY ("projectId", "seq")))" + (d == Dialect::kSqlite ? " WITHOUT ROWID" : ""),
      R"(CREATE INDEX IF NOT EXISTS "ApiKey_projectId_idx" ON "ApiKey"("projectId"))",
  };
}

// Migration 3: tombstones of docs deleted locally after a git sync, so the next export
// deletes their files instead of the next import bringing them back.
std::vector<std::string> DocTombstones(Dialect d) {
  const ColumnTypes t = TypesFor(d);
  return {
      std::string(R"(CREATE TABLE "DocTombstone" ("projectId" TEXT NOT NULL REFERENCES "Project"("id")
        ON DELETE CASCADE ON UPDATE CASCADE, "fileName" TEXT NOT NULL, "baseBlobOid" TEXT NOT NULL,
        "deletedAt" )") + t.time + R"( NOT NULL, "deletedBy" TEXT NOT NULL DEFAULT '',
        PRIMARY KEY ("projectId", "fileName")))",
  };
}

// Migration 4: the conflicts of each project's last import, listed and resolved through
// the API. The texts are nullable: NULL is "no usable text", '' an empty file.
std::vector<std::string> SyncConflicts(Dialect d) {
  const ColumnTypes t = TypesFor(d);
  return {
      std::string(R"(CREATE TABLE "SyncConflict" ("projectId" TEXT NOT NULL REFERENCES "Project"("id")
        ON DELETE CASCADE ON UPDATE CASCADE, "fileName" TEXT NOT NULL, "reason" TEXT NOT NULL,
        "commit" TEXT NOT NULL, "baseBlobOid" TEXT NOT NULL, "remoteBlobOid" TEXT NOT NULL,
        "baseContent" TEXT, "remoteContent" TEXT, "detectedAt" )") + t.time + R"( NOT NULL,
        PRIMARY KEY ("projectId", "fileName")))",
  };
}

// Migration 5: each project's push-webhook secret, sealed like its git token.
std::vector<std::string> WebhookSecrets(Dialect) {
  return {R"(ALTER TABLE "Project" ADD COLUMN "webhookSecret" TEXT NOT NULL DEFAULT '')"};
}

// Migration 12: the secret of each project's repoUrl, sealed like its git token; the URL
// itself then holds "***" in its place. URLs stored before keep their secret in the clear
// until the server seals them at start (ProjectService::SealRepoUrlSecrets), which needs
// the encryption key, which SQL does not have.
std::vector<std::string> RepoUrlSecrets(Dialect) {
  return {R"(ALTER TABLE "Project" ADD COLUMN "repoUrlSecret" TEXT NOT NULL DEFAULT '')"};
}

// Migration 6: how each project's last import and export ended, and its last sync error.
std::vector<std::string> SyncStatus(Dialect d) {
  const std::string time = TypesFor(d).time;
  return {
      R"(ALTER TABLE "Project" ADD COLUMN "lastImportAt" )" + time,
      R"(ALTER TABLE "Project" ADD COLUMN "lastImportCommit" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "lastImportResult" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "lastExportAt" )" + time,
      R"(ALTER TABLE "Project" ADD COLUMN "lastExportCommit" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "lastExportResult" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "lastSyncError" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "lastSyncErrorAt" )" + time,
  };
}

// Migration 7: polling. The lease columns are written only by ClaimPoll, in one
// conditional UPDATE, so two servers never both hold a live lease.
std::vector<std::string> Polling(Dialect d) {
  const std::string time = TypesFor(d).time;
  return {
      R"(ALTER TABLE "Project" ADD COLUMN "syncIntervalSeconds" INTEGER NOT NULL DEFAULT 0)",
      R"(ALTER TABLE "Project" ADD COLUMN "nextPollAt" )" + time,
      R"(ALTER TABLE "Project" ADD COLUMN "pollHolder" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "Project" ADD COLUMN "pollLeaseUntil" )" + time,
  };
}

// Migration 8: each doc's and each version's git blob id, computed when the content is
// written, so export and import tell changed docs apart without reading their text.
std::vector<std::string> BlobIds(Dialect) {
  return {
      R"(ALTER TABLE "Doc" ADD COLUMN "blobOid" TEXT NOT NULL DEFAULT '')",
      R"(ALTER TABLE "DocVersion" ADD COLUMN "blobOid" TEXT NOT NULL DEFAULT '')",
  };
}

// Migration 9: the doc summary listing (ListDocSummaries) read from an index alone. On
// SQLite "hash" and the blob ids sit after "content" in the row, so listing them read
// every doc's overflow pages (the whole table for 4 KB docs) on each import and export.
// The index is ordered as the listing is (PostgreSQL's ORDER BY uses COLLATE "C"); its
// price is one more index entry written per doc write.
std::vector<std::string> DocSummaryIndex(Dialect d) {
  if (d == Dialect::kPostgres) {
    return {R"(CREATE INDEX "Doc_projectId_fileName_summary_idx" ON "Doc"("projectId", "fileName" COLLATE "C")
        INCLUDE ("hash", "version", "updatedAt", "baseBlobOid", "blobOid"))"};
  }
  return {R"(CREATE INDEX "Doc_projectId_fileName_summary_idx" ON "Doc"("projectId", "fileName", "hash",
        "version", "updatedAt", "baseBlobOid", "blobOid"))"};
}

// Migration 10: what an export of one edited doc reads no longer grows with the project.
// "cleanSyncMark" is the commit (and scope) of the last whole import that ended without
// conflicts, or of an export pushed on top of one: an export whose fetched head is still
// that commit skips listing the repository's tree (GitSyncService). The partial index
// holds one entry per doc whose text differs from what was last synced (a few, against
// every doc for the other indexes), in name order, so ListDocsToExport reads only those.
// Its price: a doc write moves it in or out of this index as well.
std::vector<std::string> ExportIndex(Dialect d) {
  const std::string file_name = d == Dialect::kPostgres ? R"("fileName" COLLATE "C")" : R"("fileName")";
  return {
      R"(ALTER TABLE "Project" ADD COLUMN "cleanSyncMark" TEXT NOT NULL DEFAULT '')",
      R"(CREATE INDEX "Doc_projectId_fileName_to_export_idx" ON "Doc"("projectId", )" + file_name + ") WHERE " +
          kDocToExport,
  };
}

// Migration 11: a version's text may be kept only in its doc's row. A doc created with its
// first version (InsertNewDocs, a first import) stores the text once, in "Doc"; the version
// row's "content" is NULL while it is the doc's current version, and the store copies the
// text into it before the doc's text changes (SqlTransaction::UpdateDoc). A first import
// of 10,000 docs of 4 KB wrote each text twice through the WAL.
// SQLite cannot drop NOT NULL from a column: the table is rebuilt as migrations 2 and 8
// made it, its column order, references and indexes kept (nothing references
// "DocVersion"). Foreign keys stay on (they cannot change inside the migration's
// transaction), so rows whose doc or project is gone (written with foreign keys off, by
// another tool) are left behind rather than failing the copy: a deleted doc's history
// is deleted with it anyway.
std::vector<std::string> VersionTextInDoc(Dialect d) {
  if (d == Dialect::kPostgres) return {R"(ALTER TABLE "DocVersion" ALTER COLUMN "content" DROP NOT NULL)"};
  const std::string columns = R"("id", "docId", "projectId", "fileName", "version", "content", "hash", "author",
        "source", "createdAt", "blobOid")";
  return {
      std::string(R"(CREATE TABLE "DocVersion_new" ("id" TEXT NOT NULL PRIMARY KEY, "docId" TEXT NOT NULL
        REFERENCES "Doc"("id") ON DELETE CASCADE ON UPDATE CASCADE, "projectId" TEXT NOT NULL
        REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE, "fileName" TEXT NOT NULL,
        "version" INTEGER NOT NULL, "content" TEXT, "hash" TEXT NOT NULL,
        "author" TEXT NOT NULL DEFAULT '', "source" TEXT NOT NULL DEFAULT 'api',
        "createdAt" )") + TypesFor(d).time + R"( NOT NULL, "blobOid" TEXT NOT NULL DEFAULT ''))",
      R"(INSERT INTO "DocVersion_new" ()" + columns + ") SELECT " + columns +
          R"( FROM "DocVersion" WHERE "docId" IN (SELECT "id" FROM "Doc")
          AND "projectId" IN (SELECT "id" FROM "Project"))",
      R"(DROP TABLE "DocVersion")",
      R"(ALTER TABLE "DocVersion_new" RENAME TO "DocVersion")",
      R"(CREATE UNIQUE INDEX "DocVersion_docId_version_key" ON "DocVersion"("docId", "version"))",
      R"(CREATE INDEX "DocVersion_projectId_idx" ON "DocVersion"("projectId"))",
  };
}

// The original platform stored API keys in plain text; libsync stores only their SHA-256.
// Hashing them in place keeps every existing workstation key working.
void HashPlainApiKeys(const Channel& channel) {
  std::vector<std::pair<std::string, std::string>> keys;
  {
    std::string id, key;
    Query q(channel);
    q.Into(id).Into(key);
    for (bool more = q.Run(R"(SELECT "id", "key" FROM "ApiKey")"); more; more = q.Next()) keys.emplace_back(id, key);
  }
  for (auto& [id, key] : keys) {
    std::string hash = HashSecret(key);
    std::string prefix = KeyPrefix(key);
    Query q(channel);
    q.Use(hash).Use(prefix).Use(id);
    q.Run(R"(UPDATE "ApiKey" SET "key" = :h, "prefix" = :p WHERE "id" = :id)");
  }
}

int CurrentVersion(const Channel& channel) {
  int version = 0;
  Query q(channel);
  q.Into(version);
  q.Run(R"(SELECT COALESCE(MAX("version"), 0) FROM "Migration")");
  return version;
}

void Run(const Channel& channel, const std::string& sql) { Query(channel).Run(sql); }

bool MigrationTableExists(const Channel& channel, Dialect d) {
  int count = 0;
  Query q(channel);
  q.Into(count);
  // current_schema() is the first schema of the search path that exists: where the
  // migrations put their tables.
  q.Run(d == Dialect::kSqlite
            ? R"(SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'Migration')"
            : R"(SELECT COUNT(*)::integer FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = 'Migration')");
  return count > 0;
}

bool SchemaExists(const Channel& channel, const std::string& schema) {
  int count = 0;
  std::string name = schema;
  Query q(channel);
  q.Use(name).Into(count);
  q.Run(R"(SELECT COUNT(*)::integer FROM pg_namespace WHERE nspname = :name)");
  return count > 0;
}

}  // namespace

std::vector<Migration> Migrations(Dialect d) {
  return {
      {1, "original-platform-schema", OriginalSchema(d), ""},
      {2, "libsync-additions", LibsyncAdditions(d),
       "every \"ApiKey\".\"key\" (the original platform's plain key) replaced by its SHA-256 hex, "
       "and \"prefix\" set to its first characters, row by row in the same transaction"},
      {3, "doc-tombstones", DocTombstones(d), ""},
      {4, "sync-conflicts", SyncConflicts(d), ""},
      {5, "webhook-secrets", WebhookSecrets(d), ""},
      {6, "sync-status", SyncStatus(d), ""},
      {7, "polling-lease", Polling(d), ""},
      {8, "blob-ids", BlobIds(d), ""},
      {9, "doc-summary-index", DocSummaryIndex(d), ""},
      {10, "export-index", ExportIndex(d), ""},
      {11, "version-text-in-doc", VersionTextInDoc(d), ""},
      {12, "repo-url-secrets", RepoUrlSecrets(d), ""},
  };
}

int LatestSchemaVersion() { return 12; }

std::string MigrationTableStatement(Dialect d) {
  return std::string(R"(CREATE TABLE IF NOT EXISTS "Migration" ("version" INTEGER NOT NULL PRIMARY KEY, "appliedAt" )") +
         TypesFor(d).time + " NOT NULL)";
}

std::vector<std::pair<int, std::string>> AppliedMigrations(const Channel& channel, Dialect d) {
  std::vector<std::pair<int, std::string>> applied;
  if (!MigrationTableExists(channel, d)) return applied;
  int version = 0;
  std::string applied_at;
  Query q(channel);
  q.Into(version).Into(applied_at);
  // Text on both: SQLite stores the ISO form; PostgreSQL's ISO datestyle prints it alike.
  const char* sql = d == Dialect::kSqlite ? R"(SELECT "version", "appliedAt" FROM "Migration" ORDER BY "version")"
                                          : R"(SELECT "version", "appliedAt"::text FROM "Migration" ORDER BY "version")";
  for (bool more = q.Run(sql); more; more = q.Next()) applied.emplace_back(version, applied_at);
  return applied;
}

Result<std::vector<int>> Migrate(const Channel& channel, Dialect d, const std::string& schema) {
  std::vector<int> applied;
  // One writer migrates at a time: SQLite's IMMEDIATE transaction takes the write lock,
  // PostgreSQL's advisory lock serializes servers (and `aitk-server migrate` runs) starting
  // together; the second one in finds nothing pending.
  Run(channel, d == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    if (d == Dialect::kPostgres) {
      Run(channel, "SELECT pg_advisory_xact_lock(7212352)");
      // Created only when missing: PostgreSQL checks the CREATE privilege on the database
      // even for IF NOT EXISTS, which an application role often lacks (and `public` always
      // exists). ParseUrl admits only plain identifiers, so quoting is all the name needs.
      if (!schema.empty() && !SchemaExists(channel, schema)) Run(channel, "CREATE SCHEMA \"" + schema + "\"");
    }
    Run(channel, MigrationTableStatement(d));
    const int current = CurrentVersion(channel);
    if (current > LatestSchemaVersion()) {
      Run(channel, "ROLLBACK");
      return Status::PreconditionFailed("the database schema is version " + std::to_string(current) +
                                        ", newer than this build supports (" +
                                        std::to_string(LatestSchemaVersion()) + "); upgrade libsync");
    }
    for (const Migration& m : Migrations(d)) {
      if (m.version <= current) continue;
      for (const auto& statement : m.statements) Run(channel, statement);
      if (m.version == 2) HashPlainApiKeys(channel);
      std::string now = FormatTimestamp(SystemClock().Now());
      int version = m.version;
      Query insert(channel);
      insert.Use(version).Use(now);
      insert.Run(R"(INSERT INTO "Migration" ("version", "appliedAt") VALUES (:v, )" +
                 TimeParam(d, ":t") + ")");
      applied.push_back(m.version);
    }
    Run(channel, "COMMIT");
  } catch (...) {
    try {
      Run(channel, "ROLLBACK");
    } catch (...) {
      // The connection is gone; the server rolled back for us.
    }
    throw;
  }
  return applied;
}

}  // namespace libsync::sql
