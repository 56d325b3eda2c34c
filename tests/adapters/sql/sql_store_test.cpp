// Opening, migrating and upgrading SQL stores, and refusing what cannot be opened.

#include "libsync/sql/sql_store.hpp"

#include <gtest/gtest.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "libsync/hashing.hpp"
#include "libsync/sql/event_listener.hpp"
#include "libsync/testing/imported_doc.hpp"
#include "postgres_cluster.hpp"
#include "doc_to_export.hpp"
#include "sql_services.hpp"
#include "temp_dir.hpp"

namespace libsync::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs each ';'-terminated statement of a fixture file.
void RunSqlFile(soci::session& s, const std::string& path) {
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << path;
  std::string statement;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (statement.empty() && line.rfind("--", 0) == 0) continue;
    statement += line + "\n";
    if (!line.empty() && line.back() == ';') {
      s << statement;
      statement.clear();
    }
  }
}

const std::string kFixtures = LIBSYNC_SQL_FIXTURES;

/// Opens a store with the use cases on top, failing the test if it cannot.
std::unique_ptr<SqlServices> OpenServices(const sql::SqlStoreOptions& options) {
  std::string error;
  auto services = SqlServices::Open(options, &error);
  EXPECT_NE(services, nullptr) << error;
  return services;
}

/// Creates the project "web" and returns its id.
std::string AddWebProject(SqlServices& svc) {
  auto project = svc.sync.projects().Create(svc.admin, {.name = "web", .repo_url = "x"});
  EXPECT_TRUE(project.has_value()) << project.error().ToString();
  return project.has_value() ? project->id : "";
}

TEST(SqlStoreUpgrade, OriginalPlatformDatabaseIsUpgradedInPlace) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  {
    soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
    RunSqlFile(s, kFixtures + "/original_platform_schema.sql");
    RunSqlFile(s, kFixtures + "/original_platform_rows.sql");
  }
  auto services = OpenServices({.url = url});
  ASSERT_NE(services, nullptr);
  SqlServices& svc = *services;
  const std::string pid = "cm5legacyproject0001";

  auto project = svc.sync.projects().Get(svc.admin, pid);
  ASSERT_TRUE(project.has_value()) << project.error().ToString();
  EXPECT_EQ(project->name, "Legacy Web");
  EXPECT_EQ(project->docs_path, "docs/ai");
  EXPECT_EQ(FormatTimestamp(project->created_at), "2025-11-02T09:15:00.123Z");
  EXPECT_TRUE(project->has_token);

  auto docs = svc.sync.docs().List(svc.admin, pid);
  ASSERT_TRUE(docs.has_value());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1].file_name, "overview.md");
  EXPECT_EQ((*docs)[1].content, "# Overview\n\nLegacy text.\n");
  EXPECT_EQ((*docs)[1].hash, Sha256Hex((*docs)[1].content));
  EXPECT_EQ((*docs)[1].version, 3);

  // The plain-text key still works (now stored as its hash); the revoked one does not.
  auto alice = svc.sync.keys().Authenticate("ak_live_workstation_one_0123456789");
  ASSERT_TRUE(alice.has_value()) << alice.error().ToString();
  EXPECT_EQ(alice->project_id(), pid);
  EXPECT_EQ(alice->scope(), KeyScope::kRead);
  EXPECT_FALSE(svc.sync.keys().Authenticate("ak_live_revoked_key_9876543210").has_value());
  {
    soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
    std::string stored;
    s << R"(SELECT "key" FROM "ApiKey" WHERE "id" = 'cm5legacykey00000001')", soci::into(stored);
    EXPECT_EQ(stored, Sha256Hex("ak_live_workstation_one_0123456789")) << "plain key left in the database";
  }

  // The expired legacy lock reads as absent; a new grant gets fence 1.
  EXPECT_EQ(svc.sync.locks().Get(svc.admin, pid).value(), std::nullopt);
  auto grant = svc.sync.locks().Acquire(svc.admin, pid, {.locked_by = "lead"});
  ASSERT_TRUE(grant.has_value()) << grant.error().ToString();
  EXPECT_EQ(grant->lock.fence, 1);

  // Writing a legacy doc keeps its old text in history.
  auto written = svc.sync.docs().Put(svc.admin, pid, "overview.md", "# Overview v4\n", {.lock_token = grant->token});
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  EXPECT_EQ(written->doc.version, 4);
  auto v3 = svc.sync.docs().Version(svc.admin, pid, "overview.md", 3);
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(v3->content, "# Overview\n\nLegacy text.\n");

  // Opening again changes nothing.
  services.reset();
  auto again = sql::OpenSqlStore({.url = url});
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
  int migrations = 0;
  s << R"(SELECT COUNT(*) FROM "Migration")", soci::into(migrations);
  EXPECT_EQ(migrations, sql::LatestSchemaVersion());
}

TEST(SqlStoreUpgrade, AFailedMigrationLeavesNothingHalfDone) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
  RunSqlFile(s, kFixtures + "/original_platform_schema.sql");
  // A table in the way makes migration 2 fail halfway through its statements.
  s << R"(CREATE TABLE "Event" ("unrelated" TEXT))";
  auto store = sql::OpenSqlStore({.url = url});
  ASSERT_FALSE(store.has_value());
  int migration_table = 0, added_column = 0;
  s << "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'Migration'", soci::into(migration_table);
  s << "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'Project' AND column_name = 'lockFence'",
      soci::into(added_column);
  EXPECT_EQ(migration_table, 0);
  EXPECT_EQ(added_column, 0) << "migration 2 was applied partly";
}

TEST(SqlStoreOpen, SqliteDataSurvivesReopeningAndMigratesOnce) {
  TempDir dir;
  const std::string url = "sqlite://" + dir.path() + "/with space/store.db";
  std::filesystem::create_directories(dir.path() + "/with space");
  std::string pid;
  {
    auto first = OpenServices({.url = url});
    ASSERT_NE(first, nullptr);
    pid = first->sync.projects().Create(first->admin, {.name = "web", .repo_url = "x"})->id;
    ASSERT_TRUE(first->sync.docs().Put(first->admin, pid, "a.md", "hello").has_value());
  }
  auto second = OpenServices({.url = url});
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->sync.docs().Get(second->admin, pid, "a.md")->content, "hello");
  soci::session s(soci::sqlite3, "db=\"" + dir.path() + "/with space/store.db\"");
  int migrations = 0;
  s << R"(SELECT COUNT(*) FROM "Migration")", soci::into(migrations);
  EXPECT_EQ(migrations, sql::LatestSchemaVersion());
}

/// Whether the bytes of the file at `path` hold `needle`.
bool FileHolds(const std::string& path, const std::string& needle) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes.find(needle) != std::string::npos;
}

// A changed or deleted row's old bytes are zeroed in the page that held them, not left in
// the file's free space: a repoUrl password sealed at start (stored in the clear before
// migration 12), a deleted doc's text.
TEST(SqlStoreOpen, SqliteZeroesTheOldBytesOfChangedAndDeletedRows) {
  TempDir dir;
  const std::string path = dir.path() + "/store.db";
  {
    auto svc = OpenServices({.url = "sqlite://" + path});
    ASSERT_NE(svc, nullptr);
    const std::string pid = svc->sync.projects().Create(svc->admin, {.name = "web", .repo_url = "https://h/r.git"})->id;
    ASSERT_TRUE(svc->store->Transact(TxMode::kWrite, [&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject(pid));
      p.repo_url = "https://ci:OLD-PASSWORD-IN-THE-CLEAR@h/r.git";
      return tx.UpdateProject(p);
    }).ok());
    ASSERT_TRUE(svc->sync.docs().Put(svc->admin, pid, "gone.md", "TEXT-OF-A-DELETED-DOC").has_value());
    ASSERT_EQ(svc->sync.projects().SealRepoUrlSecrets().value(), 1u);
    ASSERT_TRUE(svc->sync.docs().Delete(svc->admin, pid, "gone.md").ok());
  }  // closed: the WAL is checkpointed into the file and removed
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_TRUE(FileHolds(path, "https://ci:***@h/r.git")) << "the search reads the file";
  EXPECT_FALSE(FileHolds(path, "OLD-PASSWORD-IN-THE-CLEAR"));
  EXPECT_FALSE(FileHolds(path, "TEXT-OF-A-DELETED-DOC"));
}

/// Puts three docs and checks that the summary listing names them in order, with the hash,
/// version and blob ids the full listing has.
/// SQLite's query plan for `query` on the database at `path`, one line per step.
std::string SqlitePlan(const std::string& path, const std::string& query) {
  soci::session s(soci::sqlite3, "db=\"" + path + "\"");
  std::string plan;
  int id = 0, parent = 0, unused = 0;
  soci::statement st = (s.prepare << "EXPLAIN QUERY PLAN " + query, soci::into(id), soci::into(parent),
                        soci::into(unused), soci::into(plan));
  st.execute();
  std::string all;
  while (st.fetch()) all += plan + "\n";
  return all;
}

void ExpectSummariesMatchDocs(SqlServices& svc, const std::string& pid) {
  for (const char* name : {"b.md", "a.md", "sub/c.md"}) {
    ASSERT_TRUE(svc.sync.docs().Put(svc.admin, pid, name, std::string("text of ") + name).has_value());
  }
  ASSERT_TRUE(svc.sync.docs().Put(svc.admin, pid, "a.md", "second text").has_value());
  auto docs = svc.sync.docs().List(svc.admin, pid);
  auto summaries = svc.sync.docs().ListSummaries(svc.admin, pid);
  ASSERT_TRUE(docs.has_value());
  ASSERT_TRUE(summaries.has_value());
  ASSERT_EQ(summaries->size(), 3u);
  ASSERT_EQ(docs->size(), 3u);
  for (std::size_t i = 0; i < docs->size(); ++i) {
    const Doc& d = (*docs)[i];
    const DocSummary& s = (*summaries)[i];
    EXPECT_EQ(s.file_name, d.file_name);
    EXPECT_EQ(s.hash, d.hash);
    EXPECT_EQ(s.version, d.version);
    EXPECT_EQ(s.updated_at, d.updated_at);
    EXPECT_EQ(s.base_blob_oid, d.base_blob_oid);
    EXPECT_EQ(s.blob_oid, d.blob_oid);
  }
  EXPECT_EQ((*summaries)[0].file_name, "a.md");
  EXPECT_EQ((*summaries)[0].version, 2);
  EXPECT_EQ((*summaries)[2].file_name, "sub/c.md");
}

// Listing doc summaries must not read the docs' rows: on SQLite their hash and blob ids sit
// after the content, so each listing would read every doc's overflow pages.
TEST(SqlStoreSchema, SqliteListsDocSummariesFromAnIndexAlone) {
  TempDir dir;
  auto services = OpenServices({.url = "sqlite://" + dir.path() + "/store.db"});
  ASSERT_NE(services, nullptr);
  const std::string pid = AddWebProject(*services);
  ExpectSummariesMatchDocs(*services, pid);

  const std::string all = SqlitePlan(dir.path() + "/store.db", R"(SELECT "fileName", "hash", "version",
      CAST("updatedAt" AS TEXT), "baseBlobOid", "blobOid" FROM "Doc" WHERE "projectId" = 'p' ORDER BY "fileName")");
  EXPECT_NE(all.find("COVERING INDEX Doc_projectId_fileName_summary_idx"), std::string::npos) << all;
  EXPECT_EQ(all.find("TEMP B-TREE"), std::string::npos) << "the listing sorts instead of reading in order: " << all;
}

TEST(SqlStoreSchema, PostgresGetsTheDocSummaryIndexAndListsTheSameRows) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  auto services = OpenServices({.url = url});
  ASSERT_NE(services, nullptr);
  const std::string pid = AddWebProject(*services);
  ExpectSummariesMatchDocs(*services, pid);

  soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
  std::string definition;
  s << R"(SELECT indexdef FROM pg_indexes WHERE indexname = 'Doc_projectId_fileName_summary_idx')",
      soci::into(definition);
  EXPECT_NE(definition.find(R"("fileName" COLLATE "C")"), std::string::npos) << definition;
  EXPECT_NE(definition.find(R"(INCLUDE (hash, version, "updatedAt", "baseBlobOid", "blobOid"))"), std::string::npos)
      << definition;
}

/// The docs ListDocsToExport names for `pid` (fileName order).
std::vector<std::string> DocsToExport(Store& store, const std::string& pid) {
  std::vector<std::string> names;
  Status s = store.Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto docs, tx.ListDocsToExport(pid));
    for (const Doc& d : docs) names.push_back(d.file_name);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return names;
}

/// ListDocsToExport's query (with fewer columns, none in an index), the project id as a
/// literal, for EXPLAIN.
std::string DocsToExportQuery(const std::string& pid, const char* order_by) {
  return R"(SELECT "id", "fileName", "content", "blobOid" FROM "Doc" WHERE "projectId" = ')" + pid + "' AND " +
         sql::kDocToExport + " " + order_by;
}

// An export of one edited doc must not visit the others: the query reads the partial index,
// whose entries are the docs to push, in name order.
TEST(SqlStoreSchema, SqliteFindsTheDocsToExportInThePartialIndexAlone) {
  TempDir dir;
  auto services = OpenServices({.url = "sqlite://" + dir.path() + "/store.db"});
  ASSERT_NE(services, nullptr);
  const std::string pid = AddWebProject(*services);
  ASSERT_TRUE(services->sync.docs().Put(services->admin, pid, "b.md", "B").has_value());
  EXPECT_EQ(DocsToExport(*services->store, pid), std::vector<std::string>{"b.md"}) << "never synced";

  const std::string all = SqlitePlan(dir.path() + "/store.db", DocsToExportQuery(pid, R"(ORDER BY "fileName")"));
  EXPECT_NE(all.find("USING INDEX Doc_projectId_fileName_to_export_idx"), std::string::npos) << all;
  EXPECT_EQ(all.find("TEMP B-TREE"), std::string::npos) << "the listing sorts instead of reading in order: " << all;
}

TEST(SqlStoreSchema, PostgresFindsTheDocsToExportInThePartialIndexAmongThousandsOfSyncedDocs) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  auto services = OpenServices({.url = url});
  ASSERT_NE(services, nullptr);
  const std::string pid = AddWebProject(*services);

  soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
  s << R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "updatedAt", "baseBlobOid", "blobOid")
          SELECT 'd' || g, :p, 'f' || g || '.md', 'text', 'h', now(), 'b' || g, 'b' || g
          FROM generate_series(1, 10000) g)",
      soci::use(pid);
  s << R"(UPDATE "Doc" SET "blobOid" = 'edited' WHERE "fileName" IN ('f77.md', 'f5000.md'))";
  s << R"(ANALYZE "Doc")";
  EXPECT_EQ(DocsToExport(*services->store, pid), (std::vector<std::string>{"f5000.md", "f77.md"}));

  std::string line, all;
  soci::statement st = (s.prepare << "EXPLAIN " + DocsToExportQuery(pid, R"(ORDER BY "fileName" COLLATE "C")"),
                        soci::into(line));
  st.execute();
  while (st.fetch()) all += line + "\n";
  EXPECT_NE(all.find("Doc_projectId_fileName_to_export_idx"), std::string::npos) << all;
  EXPECT_EQ(all.find("Seq Scan"), std::string::npos) << all;
}

/// Creates `count` docs in one InsertNewDocs, as a first import does ("n0.md", ...).
void InsertNewDocs(SqlServices& svc, const std::string& pid, int count) {
  std::vector<NewDoc> docs;
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    docs.push_back(ImportedDoc(pid, "n" + n + ".md", "imported text " + n, pid + "-doc-" + n,
                               pid + "-version-" + n));
  }
  Status s = svc.store->Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertNewDocs(docs).status(); });
  ASSERT_TRUE(s.ok()) << s.ToString();
}

/// What migration 11 promises: new docs' first versions hold no copy of the text until the
/// doc's text changes, and then hold it; history reads the same either way.
void ExpectFirstTextsStoredOnce(SqlServices& svc, soci::session& s, const std::string& pid) {
  InsertNewDocs(svc, pid, 3);
  const auto without_text = [&] {
    int n = -1;
    s << R"(SELECT COUNT(*) FROM "DocVersion" WHERE "projectId" = :p AND "content" IS NULL)", soci::use(pid),
        soci::into(n);
    return n;
  };
  EXPECT_EQ(without_text(), 3);
  ASSERT_TRUE(svc.sync.docs().Put(svc.admin, pid, "n1.md", "edited").has_value());
  EXPECT_EQ(without_text(), 2) << "n1.md's first version holds its text now; its second was written with it";
  std::string kept;
  const std::string first_version = pid + "-version-1";  // soci binds by reference
  s << R"(SELECT "content" FROM "DocVersion" WHERE "id" = :i)", soci::use(first_version), soci::into(kept);
  EXPECT_EQ(kept, "imported text 1") << "the text was not copied before the doc changed";
  auto v1 = svc.sync.docs().Version(svc.admin, pid, "n1.md", 1);
  ASSERT_TRUE(v1.has_value()) << v1.error().ToString();
  EXPECT_EQ(v1->content, "imported text 1");
  EXPECT_EQ(v1->source, VersionSource::kGit);
  auto v0 = svc.sync.docs().Version(svc.admin, pid, "n0.md", 1);
  ASSERT_TRUE(v0.has_value()) << v0.error().ToString();
  EXPECT_EQ(v0->content, "imported text 0") << "read from the doc's row";
  ASSERT_TRUE(svc.sync.docs().Revert(svc.admin, pid, "n1.md", 1).has_value());
  auto doc = svc.sync.docs().Get(svc.admin, pid, "n1.md");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->content, "imported text 1");
  EXPECT_EQ(doc->version, 3);
}

/// The same, on a new store at `url` that `s` reads.
void ExpectFirstTextsStoredOnce(const std::string& url, soci::session& s) {
  auto services = OpenServices({.url = url});
  ASSERT_NE(services, nullptr);
  ExpectFirstTextsStoredOnce(*services, s, AddWebProject(*services));
}

TEST(SqlStoreSchema, SqliteStoresANewDocsFirstTextOnce) {
  TempDir dir;
  soci::session s(soci::sqlite3, "db=\"" + dir.path() + "/store.db\"");
  ExpectFirstTextsStoredOnce("sqlite://" + dir.path() + "/store.db", s);
}

TEST(SqlStoreSchema, PostgresStoresANewDocsFirstTextOnce) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
  ExpectFirstTextsStoredOnce(url, s);
}

// Migration 11 rebuilds SQLite's "DocVersion" to let "content" be NULL: a database of
// schema 10 (its table as migration 2 made it, with rows) keeps every row, column, reference
// and index, and leaves out a version whose doc is gone instead of failing on it.
TEST(SqlStoreUpgrade, SqliteVersionsSurviveTheRebuildThatLetsTheirTextBeNull) {
  TempDir dir;
  const std::string path = dir.path() + "/store.db";
  std::string pid;
  {
    auto services = OpenServices({.url = "sqlite://" + path});
    ASSERT_NE(services, nullptr);
    pid = services->sync.projects().Create(services->admin, {.name = "web", .repo_url = "x"})->id;
    ASSERT_TRUE(services->sync.docs().Put(services->admin, pid, "a.md", "one").has_value());
    ASSERT_TRUE(services->sync.docs().Put(services->admin, pid, "a.md", "two").has_value());
  }
  {
    // Back to schema 10: the table with "content" NOT NULL, and no record of migration 11
    // or later.
    soci::session s(soci::sqlite3, "db=\"" + path + "\"");
    s << R"(CREATE TABLE "Old" AS SELECT * FROM "DocVersion")";
    s << R"(DROP TABLE "DocVersion")";
    s << R"(CREATE TABLE "DocVersion" ("id" TEXT NOT NULL PRIMARY KEY, "docId" TEXT NOT NULL
        REFERENCES "Doc"("id") ON DELETE CASCADE ON UPDATE CASCADE, "projectId" TEXT NOT NULL
        REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE, "fileName" TEXT NOT NULL,
        "version" INTEGER NOT NULL, "content" TEXT NOT NULL, "hash" TEXT NOT NULL,
        "author" TEXT NOT NULL DEFAULT '', "source" TEXT NOT NULL DEFAULT 'api',
        "createdAt" TEXT NOT NULL, "blobOid" TEXT NOT NULL DEFAULT ''))";
    s << R"(INSERT INTO "DocVersion" SELECT * FROM "Old")";
    s << R"(DROP TABLE "Old")";
    s << R"(CREATE UNIQUE INDEX "DocVersion_docId_version_key" ON "DocVersion"("docId", "version"))";
    s << R"(CREATE INDEX "DocVersion_projectId_idx" ON "DocVersion"("projectId"))";
    // A version whose doc is gone, as a tool writing with foreign keys off can leave.
    s << R"(INSERT INTO "DocVersion" VALUES ('orphan', 'gone', 'gone', 'x.md', 1, 'x', 'h', '', 'api',
            '2025-01-01T00:00:00.000Z', ''))";
    // The later migrations undone too, so each runs again after 11.
    s << R"(ALTER TABLE "Project" DROP COLUMN "repoUrlSecret")";
    s << R"(DELETE FROM "Migration" WHERE "version" >= 11)";
  }
  auto services = OpenServices({.url = "sqlite://" + path});
  ASSERT_NE(services, nullptr);
  auto history = services->sync.docs().History(services->admin, pid, "a.md");
  ASSERT_TRUE(history.has_value()) << history.error().ToString();
  ASSERT_EQ(history->size(), 2u);
  auto v1 = services->sync.docs().Version(services->admin, pid, "a.md", 1);
  ASSERT_TRUE(v1.has_value()) << v1.error().ToString();
  EXPECT_EQ(v1->content, "one");
  soci::session s(soci::sqlite3, "db=\"" + path + "\"");
  int not_null = -1, indexes = -1;
  s << R"(SELECT "notnull" FROM pragma_table_info('DocVersion') WHERE name = 'content')", soci::into(not_null);
  s << R"(SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'DocVersion'
          AND name IN ('DocVersion_docId_version_key', 'DocVersion_projectId_idx'))",
      soci::into(indexes);
  int cascading = -1;
  s << R"(SELECT COUNT(*) FROM pragma_foreign_key_list('DocVersion') WHERE on_delete = 'CASCADE'
          AND on_update = 'CASCADE' AND "table" IN ('Doc', 'Project'))",
      soci::into(cascading);
  EXPECT_EQ(not_null, 0);
  EXPECT_EQ(indexes, 2);
  EXPECT_EQ(cascading, 2) << "the rebuilt table lost a reference";
  int orphans = -1;
  s << R"(SELECT COUNT(*) FROM "DocVersion" WHERE "id" = 'orphan')", soci::into(orphans);
  EXPECT_EQ(orphans, 0) << "a version of no doc was copied";
  ExpectFirstTextsStoredOnce(*services, s, pid);
}

// The threading mode is SQLite's process-wide setting: once a store has used SQLite here,
// asking for unlocked connections is refused and SQLite stays as it was. (The multi-process
// lock race runs its workers with unlocked connections, as aitk-server does.)
TEST(SqlStoreOpen, UnlockedConnectionsCannotBeAskedForOnceSqliteIsInUse) {
  TempDir dir;
  auto services = OpenServices({.url = "sqlite://" + dir.path() + "/store.db"});
  ASSERT_NE(services, nullptr);
  EXPECT_FALSE(sql::UseUnlockedSqliteConnections());
  EXPECT_TRUE(services->sync.projects().Create(services->admin, {.name = "web", .repo_url = "x"}).has_value());
}

// An exclusive store names its file to SQLite as a URI; whatever the name holds must reach
// the same file a shared store opens, and no file may be created under another name.
TEST(SqlStoreOpen, ExclusiveSqliteOpensTheFileItIsGivenWhateverItsName) {
  TempDir dir;
  const std::string folder = dir.path() + "/odd %41 #1 ?q=2 \xc3\xbc";
  std::filesystem::create_directories(folder);
  const std::string url = "sqlite://" + folder + "/store.db";
  std::string pid;
  {
    auto exclusive = OpenServices({.url = url, .sqlite_exclusive = true});
    ASSERT_NE(exclusive, nullptr);
    pid = exclusive->sync.projects().Create(exclusive->admin, {.name = "odd", .repo_url = "x"})->id;
  }
  auto shared = OpenServices({.url = url});
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->sync.projects().Get(shared->admin, pid)->name, "odd");
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    EXPECT_EQ(entry.path().filename().string().rfind("store.db", 0), 0u) << entry.path();
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().string(), folder) << "a stray file";
  }
}

TEST(SqlStoreOpen, CorruptSqliteFileIsRefusedAndLeftAlone) {
  TempDir dir;
  const std::string path = dir.path() + "/corrupt.db";
  std::string garbage(8192, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  { std::ofstream(path, std::ios::binary) << garbage; }
  auto store = sql::OpenSqlStore({.url = "sqlite://" + path});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument) << store.error().ToString();
  EXPECT_NE(store.error().message().find("not a SQLite database"), std::string::npos) << store.error().message();
  EXPECT_EQ(ReadFile(path), garbage) << "the file was modified";
}

TEST(SqlStoreOpen, UnopenableSqlitePathIsUnavailable) {
  TempDir dir;
  for (const std::string& path : {dir.path(), dir.path() + "/missing/dir/store.db"}) {
    auto store = sql::OpenSqlStore({.url = "sqlite://" + path});
    ASSERT_FALSE(store.has_value()) << path;
    EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable) << store.error().ToString();
    EXPECT_NE(store.error().message().find(path), std::string::npos) << store.error().message();
  }
}

TEST(SqlStoreOpen, UnreachablePostgresIsUnavailableAndHidesThePassword) {
  auto store = sql::OpenSqlStore({.url = "postgresql://app:s3cret-pass@127.0.0.1:1/db?connect_timeout=2"});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable) << store.error().ToString();
  EXPECT_EQ(store.error().message().find("s3cret-pass"), std::string::npos) << store.error().message();
  EXPECT_NE(store.error().message().find("app:***@127.0.0.1:1"), std::string::npos) << store.error().message();
}

// A password that needs percent-encoding in a URL (a space, '@', ':', '/', '%', a quote,
// a backslash) reaches the server as it is, for the pool and for the event listener.
TEST(SqlStoreOpen, PercentEncodedPasswordAuthenticates) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string password = "s3cret p@ss:/?#%'\\ end";
  const std::string url = cluster->AddPasswordUser(cluster->NewDatabase(), "aitk_pw", password);
  ASSERT_NE(url.find("s3cret%20p%40ss"), std::string::npos) << url;

  auto services = OpenServices({.url = url});
  ASSERT_NE(services, nullptr);
  auto project = services->sync.projects().Create(services->admin, {.name = "web", .repo_url = "x"});
  EXPECT_TRUE(project.has_value()) << project.error().ToString();
  auto listener = sql::ListenForEvents(url, [](const std::string&, std::int64_t) {});
  EXPECT_TRUE(listener.has_value()) << listener.error().ToString();

  // The password is checked (this is not a trust login), and never shown.
  std::string wrong = url;
  wrong.replace(wrong.find("s3cret"), 6, "wrong0");
  auto refused = sql::OpenSqlStore({.url = wrong});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable) << refused.error().ToString();
  EXPECT_EQ(refused.error().message().find("p%40ss"), std::string::npos) << refused.error().message();
}

// An unencoded '@' in the password: the last '@' ends the user info, and the message
// hides the whole password.
TEST(SqlStoreOpen, PasswordWithARawAtSignIsHiddenWhole) {
  auto store = sql::OpenSqlStore({.url = "postgresql://app:p@ss@127.0.0.1:1/db?connect_timeout=2"});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().message().find("ss@"), std::string::npos) << store.error().message();
  EXPECT_NE(store.error().message().find("app:***@127.0.0.1:1"), std::string::npos) << store.error().message();
}

TEST(SqlStoreOpen, BadUrlsAreInvalidArguments) {
  for (const char* url : {"", "mysql://x", "sqlite://", "postgresql://h:port/db", "postgresql://h/db?x",
                          "postgresql://%zz@h/db"}) {
    auto store = sql::OpenSqlStore({.url = url});
    ASSERT_FALSE(store.has_value()) << url;
    EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument) << url << ": " << store.error().ToString();
  }
}

TEST(SqlStoreOpen, NewerSchemaIsRefusedOnSqliteAndPostgres) {
  TempDir dir;
  const std::string sqlite_url = "sqlite://" + dir.path() + "/newer.db";
  ASSERT_TRUE(sql::OpenSqlStore({.url = sqlite_url}).has_value());
  {
    soci::session s(soci::sqlite3, "db=" + dir.path() + "/newer.db");
    s << R"(INSERT INTO "Migration" ("version", "appliedAt") VALUES (99, '2030-01-01T00:00:00.000Z'))";
  }
  auto store = sql::OpenSqlStore({.url = sqlite_url});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_NE(store.error().message().find("99"), std::string::npos) << store.error().message();

  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  ASSERT_TRUE(sql::OpenSqlStore({.url = url}).has_value());
  {
    soci::session s(soci::postgresql, cluster->ConnectStringFor(url));
    s << R"(INSERT INTO "Migration" ("version", "appliedAt") VALUES (99, now()))";
  }
  auto pg = sql::OpenSqlStore({.url = url});
  ASSERT_FALSE(pg.has_value());
  EXPECT_EQ(pg.error().code(), ErrorCode::kPreconditionFailed);
}

TEST(SqlStoreConcurrency, ABusySqliteDatabaseDelaysWritesThenReportsUnavailable) {
  TempDir dir;
  const std::string path = dir.path() + "/busy.db";
  auto services = OpenServices({.url = "sqlite://" + path, .sqlite_busy_timeout = std::chrono::milliseconds(20)});
  ASSERT_NE(services, nullptr);
  SqlServices& svc = *services;
  const std::string pid = svc.sync.projects().Create(svc.admin, {.name = "web", .repo_url = "x"})->id;

  // Another connection (as another process would) holds the write lock for a moment:
  // the write waits and retries, then succeeds.
  soci::session other(soci::sqlite3, "db=" + path);
  other << "BEGIN IMMEDIATE";
  std::thread release_soon([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    other << "COMMIT";
  });
  auto delayed = svc.sync.docs().Put(svc.admin, pid, "a.md", "one");
  release_soon.join();
  ASSERT_TRUE(delayed.has_value()) << delayed.error().ToString();

  // Held for longer than every retry: a clear 503-class error, not an internal one.
  other << "BEGIN IMMEDIATE";
  auto refused = svc.sync.docs().Put(svc.admin, pid, "a.md", "two");
  other << "COMMIT";
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable) << refused.error().ToString();
  EXPECT_EQ(svc.sync.docs().Get(svc.admin, pid, "a.md")->content, "one");
}

}  // namespace
}  // namespace libsync::testing
