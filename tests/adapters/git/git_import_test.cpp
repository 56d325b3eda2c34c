// First imports of many files: every doc, its first version, its blob ids and its event,
// on SQLite and PostgreSQL, and written in batches rather than a statement per row.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "../sql/postgres_cluster.hpp"
#include "../sql/temp_dir.hpp"
#include "git_fixture.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/hashing.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"
#include "libsync/testing/faulty_store.hpp"

namespace libsync::testing {
namespace {

std::string FileName(int i) { return "section-" + std::to_string(i % 7) + "/file-" + std::to_string(i) + ".md"; }
std::string Text(int i) { return "# Doc " + std::to_string(i) + "\n\nnot empty, and \xC3\xA9 for UTF-8\n"; }

/// A bare repository whose main branch has `files` docs under docs/, made in one
/// git fast-import (a work tree of 10,000 files would cost the test more than the import).
std::string Repository(const std::string& root, int files, std::string (*text_of)(int) = Text) {
  const std::string bare = root + "/remote.git";
  Shell("git init -q --bare -b main " + bare);
  std::string stream = "commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 4\ndocs\n";
  for (int i = 0; i < files; ++i) {
    const std::string text = text_of(i);
    stream += "M 100644 inline docs/" + FileName(i) + "\ndata " + std::to_string(text.size()) + "\n" + text + "\n";
  }
  std::ofstream(root + "/stream", std::ios::binary) << stream;
  Shell("git -C " + bare + " fast-import --quiet < " + root + "/stream");
  return bare;
}

struct Parts {
  explicit Parts(Store& store, const std::string& cache)
      : sync(store, SystemClock(), SystemRandom(), *box, NullEventSink()),
        remote(git::MakeGit2Remote({.cache_dir = cache}).value()),
        git_sync(sync.context(), *remote, {.allow_local_remotes = true}) {}
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync;
  std::unique_ptr<GitRemote> remote;
  GitSyncService git_sync;
};

// A statement per row made a first import of 10,000 files cost 10,000 round trips on
// PostgreSQL (and their binds and steps on SQLite): new docs go to the store in batches.
TEST(GitImport, AFirstImportWritesItsNewDocsInBatchesNotOneCallEach) {
  TempDir dir;
  const int files = 300;
  const std::string bare = Repository(dir.path(), files);
  auto memory = MakeMemoryStore();
  FaultyStore counting(*memory);
  Parts parts(counting, dir.path() + "/cache");
  const Caller admin = Caller::Admin("lead");
  const std::string project = parts.sync.projects().Create(admin, {.name = "web", .repo_url = bare})->id;
  const std::int64_t before = counting.calls();
  auto report = parts.git_sync.Import(admin, project, {});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->imported.size(), static_cast<std::size_t>(files));
  // Each new doc still appends its own doc:updated event: one call per file, plus a few.
  EXPECT_LT(counting.calls() - before, files + 20) << "store calls for " << files << " new docs";
}

// A first import checks and hashes its new texts on two threads, each over half of them:
// a file that is no text in either half is reported by name and kept out, and every doc
// has its own text's hash.
TEST(GitImport, EveryNewFileIsCheckedAndHashedWhicheverThreadTakesIt) {
  TempDir dir;
  const int files = 600;
  const std::string bare = Repository(dir.path(), files, [](int i) {
    if (i == 10) return std::string("# Ten \xff\xfe not UTF-8\n");
    if (i == 6) return std::string("# Six has a NUL \0 byte\n", 23);  // section-6: the second half
    return Text(i);
  });
  auto store = MakeMemoryStore();
  Parts parts(*store, dir.path() + "/cache");
  const Caller admin = Caller::Admin("lead");
  const std::string project = parts.sync.projects().Create(admin, {.name = "web", .repo_url = bare})->id;
  auto report = parts.git_sync.Import(admin, project, {});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->imported.size(), static_cast<std::size_t>(files - 2));
  std::set<std::string> refused;
  for (const auto& c : report->skipped) refused.insert(c.file_name);
  EXPECT_EQ(refused, (std::set<std::string>{FileName(10), FileName(6)}));
  EXPECT_TRUE(report->conflicts.empty());
  auto docs = parts.sync.docs().List(admin, project);
  ASSERT_TRUE(docs.has_value());
  ASSERT_EQ(docs->size(), static_cast<std::size_t>(files - 2));
  for (const Doc& d : *docs) EXPECT_EQ(d.hash, Sha256Hex(d.content)) << d.file_name;
}

class GitImportOnSql : public ::testing::TestWithParam<std::string> {};

TEST_P(GitImportOnSql, TenThousandFilesArriveWithTheirFirstVersionsBlobIdsAndEvents) {
  TempDir dir;
  sql::SqlStoreOptions options;
  if (GetParam() == "postgresql") {
    PostgresCluster* cluster = PostgresCluster::Get();
    if (!cluster) {
      if (PostgresRequired()) FAIL() << "PostgreSQL is required in CI: " << PostgresCluster::Unavailable();
      GTEST_SKIP() << PostgresCluster::Unavailable();
    }
    options.url = cluster->NewDatabase();
  } else {
    options.url = "sqlite://" + dir.path() + "/libsync.db";
  }
  options.event_retention = 20000;  // every event of the import stays readable
  auto store = sql::OpenSqlStore(options);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  const int files = 10000;
  const std::string bare = Repository(dir.path(), files);
  Parts parts(**store, dir.path() + "/cache");
  const Caller admin = Caller::Admin("lead");
  const std::string project = parts.sync.projects().Create(admin, {.name = "web", .repo_url = bare})->id;

  auto report = parts.git_sync.Import(admin, project, {});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_EQ(report->imported.size(), static_cast<std::size_t>(files));
  EXPECT_TRUE(report->conflicts.empty());

  std::map<std::string, int> expected;
  for (int i = 0; i < files; ++i) expected[FileName(i)] = i;
  Status read = (*store)->Transact(TxMode::kRead, [&](Transaction& tx) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(auto docs, tx.ListDocs(project));
    EXPECT_EQ(docs.size(), static_cast<std::size_t>(files));
    for (const Doc& doc : docs) {
      auto it = expected.find(doc.file_name);
      if (it == expected.end()) {
        ADD_FAILURE() << "unexpected doc " << doc.file_name;
        continue;
      }
      const std::string text = Text(it->second);
      expected.erase(it);
      EXPECT_EQ(doc.content, text) << doc.file_name;
      EXPECT_EQ(doc.hash, Sha256Hex(text)) << doc.file_name;
      EXPECT_EQ(doc.version, 1) << doc.file_name;
      EXPECT_EQ(doc.blob_oid, GitBlobId(text)) << doc.file_name;
      EXPECT_EQ(doc.base_blob_oid, doc.blob_oid) << doc.file_name;
      LIBSYNC_ASSIGN_OR_RETURN(auto first, tx.GetDocVersion(doc.id, 1));
      EXPECT_EQ(first.content, text) << doc.file_name;
      EXPECT_EQ(first.hash, doc.hash) << doc.file_name;
      EXPECT_EQ(first.blob_oid, doc.blob_oid) << doc.file_name;
      EXPECT_EQ(first.source, VersionSource::kGit) << doc.file_name;
      EXPECT_EQ(first.author, "git:main") << doc.file_name;
    }
    EXPECT_TRUE(expected.empty()) << expected.size() << " files missing, e.g. " << expected.begin()->first;

    // One doc:updated per file, then sync:completed, in one run of seqs.
    LIBSYNC_ASSIGN_OR_RETURN(auto page, tx.ReadEvents(project, 0, 2 * files));
    int created = 0, completed = 0;
    for (const Event& e : page.events) {
      if (e.type == "doc:updated" && e.payload.find(R"("created":true)") != std::string::npos) ++created;
      if (e.type == "sync:completed") ++completed;
    }
    EXPECT_EQ(created, files);
    EXPECT_EQ(completed, 1);
    EXPECT_EQ(page.events.back().type, "sync:completed");
    return Status::Ok();
  });
  ASSERT_TRUE(read.ok()) << read.ToString();

  // Nothing changed in the repository: the next import reads nothing and writes nothing.
  auto again = parts.git_sync.Import(admin, project, {});
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_TRUE(again->imported.empty());
  EXPECT_EQ(again->unchanged.size(), static_cast<std::size_t>(files));
}

// The adapter reads a long list of blobs in pack order, on two threads: the texts still
// come back in the list's order, and one missing blob fails the call (in no pack, it is
// read last, by the second thread).
TEST(GitImport, BlobsReadSideBySideComeBackInTheirOrderAndAMissingOneFailsTheCall) {
  TempDir dir;
  const int files = 1200;
  const std::string bare = Repository(dir.path(), files);
  auto remote = git::MakeGit2Remote({.cache_dir = dir.path() + "/cache"}).value();
  const GitTarget target{.project_id = "p1", .url = bare, .branch = "main"};
  auto head = remote->Fetch(target);
  ASSERT_TRUE(head.has_value()) << head.error().ToString();
  auto listed = remote->ListTree(target, *head, "docs", /*recursive=*/true);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), static_cast<std::size_t>(files));
  std::vector<std::string> ids;
  std::vector<std::string> expected;
  // Reversed, so the order asked for is not the tree's.
  for (auto f = listed->rbegin(); f != listed->rend(); ++f) {
    ids.push_back(f->blob_id);
    const int i = std::stoi(f->path.substr(f->path.rfind('-') + 1));
    expected.push_back(Text(i));
  }
  auto texts = remote->ReadBlobs(target, ids, GitRemote::kAnySize);
  ASSERT_TRUE(texts.has_value()) << texts.error().ToString();
  ASSERT_EQ(texts->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(texts->at(i), expected[i]) << i;

  ids[3] = std::string(40, 'e');
  auto missing = remote->ReadBlobs(target, ids, GitRemote::kAnySize);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound) << missing.error().ToString();
}

// libsync::testing, linked for FaultyStore, brings the store contract suite, which the SQL
// store's tests instantiate.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreContract);

INSTANTIATE_TEST_SUITE_P(Stores, GitImportOnSql, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& store) { return store.param; });

}  // namespace
}  // namespace libsync::testing
