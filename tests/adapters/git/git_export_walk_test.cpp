// When an export walks the repository's tree, and when it may not need to: the import an
// export runs first skips listing the tree (and every doc) while the fetched head is the
// commit of the project's last whole, conflict-free import or of an export on top of one.
// Each way that state can stop holding makes the next export walk again.

#include "libsync/git_sync_service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../sql/temp_dir.hpp"
#include "git_service_fixture.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/hashing.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {
namespace {

class GitExportWalkTest : public GitServiceTest {
 protected:
  void SetUp() override {
    GitServiceTest::SetUp();
    project_ = sync_.projects().Create(admin_, {.name = "web", .repo_url = repos_->bare()})->id;
    repos_->Write("docs/a.md", "A\n");
    repos_->Write("docs/guides/b.md", "B\n");
    repos_->CommitAndPush("docs");
  }

  std::unique_ptr<GitSyncService> MakeGitSync(std::vector<std::string> extensions) {
    GitSyncOptions options{.allow_local_remotes = true};
    if (!extensions.empty()) options.extensions = std::move(extensions);
    return std::make_unique<GitSyncService>(sync_.context(), *counting_, options);
  }
  ImportReport Import(ImportRequest request = {}) {
    auto report = git_sync_->Import(admin_, project_, request);
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report.has_value() ? report.value() : ImportReport{};
  }
  /// Exports and returns how many times the export listed the repository's tree.
  int ExportCountingWalks(ExportReport* report = nullptr) {
    counting_->tree_listings = 0;
    auto exported = git_sync_->Export(admin_, project_, {});
    EXPECT_TRUE(exported.has_value()) << exported.error().ToString();
    if (report && exported.has_value()) *report = exported.value();
    return counting_->tree_listings.load();
  }
  /// As ExportCountingWalks, for an export whose outcome the test does not judge.
  int WalksOfAnyExport() {
    counting_->tree_listings = 0;
    (void)git_sync_->Export(admin_, project_, {});
    return counting_->tree_listings.load();
  }
  void Put(const std::string& name, const std::string& content, WriteGuard guard = {}) {
    auto put = sync_.docs().Put(admin_, project_, name, content, guard);
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
  }
  void Update(const ProjectChanges& changes) {
    auto updated = sync_.projects().Update(admin_, project_, changes);
    ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
  }

};

TEST_F(GitExportWalkTest, AnExportAtTheCommitOfTheLastCleanWholeImportListsNoTree) {
  Import();
  Put("a.md", "A, edited\n");
  ExportReport r;
  EXPECT_EQ(ExportCountingWalks(&r), 0);
  EXPECT_EQ(r.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, edited\n");
  // The pushed commit is on top of that state, so the next export needs no walk either.
  Put("guides/b.md", "B, edited\n");
  EXPECT_EQ(ExportCountingWalks(&r), 0);
  EXPECT_EQ(r.pushed, std::vector<std::string>{"guides/b.md"});
  EXPECT_EQ(repos_->Show("main:docs/guides/b.md"), "B, edited\n");
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, edited\n");
}

TEST_F(GitExportWalkTest, AnExportAfterTheRemoteMovedWalksAndBringsTheChangeIn) {
  Import();
  repos_->Pull();
  repos_->Write("docs/c.md", "C\n");
  repos_->CommitAndPush("add c");
  Put("a.md", "A, edited\n");
  EXPECT_EQ(ExportCountingWalks(), 1);
  EXPECT_EQ(sync_.docs().Get(admin_, project_, "c.md")->content, "C\n");
  Put("a.md", "A, edited again\n");
  EXPECT_EQ(ExportCountingWalks(), 0) << "that walk was whole and clean";
}

TEST_F(GitExportWalkTest, AnImportOfTheTopFolderAloneMakesTheNextExportWalk) {
  Import();
  Import({.recursive = false});
  Put("a.md", "A2\n");
  EXPECT_EQ(ExportCountingWalks(), 1);
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A2\n");
  Put("a.md", "A3\n");
  EXPECT_EQ(ExportCountingWalks(), 0) << "that walk was whole and clean";
}

// A folder's import vouches for that folder alone: whatever it did, the next export walks.
TEST_F(GitExportWalkTest, AnImportOfOneFolderMakesTheNextExportWalk) {
  Import();
  Import({.path = "docs/guides"});
  EXPECT_EQ(WalksOfAnyExport(), 1);
}

TEST_F(GitExportWalkTest, AnImportWithAConflictMakesTheExportAfterItsResolutionWalk) {
  Import();
  repos_->Pull();
  Put("a.md", "A, ours\n");
  repos_->Write("docs/a.md", "A, theirs\n");
  repos_->CommitAndPush("edit a");
  ImportReport conflicted = Import();
  ASSERT_EQ(conflicted.conflicts.size(), 1u);
  Put("a.md", "A, both\n", {.resolves = conflicted.conflicts[0].remote_blob_id});
  EXPECT_EQ(ExportCountingWalks(), 1);
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, both\n");
  Put("a.md", "A, later\n");
  EXPECT_EQ(ExportCountingWalks(), 0);
}

// A clone of the remote has the same commits: only the mark's scope tells them apart.
TEST_F(GitExportWalkTest, ChangingTheProjectsRemoteOrDocsPathMakesTheNextExportWalk) {
  Import();
  const std::string copy = dir_.path() + "/copy.git";
  Shell("git clone -q --bare " + repos_->bare() + " " + copy);
  Update({.repo_url = copy});
  Put("a.md", "A2\n");
  EXPECT_EQ(ExportCountingWalks(), 1);
  EXPECT_EQ(Shell("git -C " + copy + " show main:docs/a.md"), "A2\n");
  Put("a.md", "A3\n");
  EXPECT_EQ(ExportCountingWalks(), 0);

  Update({.docs_path = "docs/"});  // the same folder
  Put("a.md", "A4\n");
  EXPECT_EQ(ExportCountingWalks(), 0);
  Update({.docs_path = "docs/guides"});
  EXPECT_EQ(WalksOfAnyExport(), 1);
}

TEST_F(GitExportWalkTest, AServerImportingOtherFileEndingsWalks) {
  Import();
  repos_->Pull();
  repos_->Write("docs/notes.txt", "notes\n");
  repos_->CommitAndPush("notes");
  Import();  // a .txt file is no doc here: the mark is taken at the new head
  git_sync_ = MakeGitSync({".md", ".txt"});
  Put("a.md", "A2\n");
  EXPECT_EQ(ExportCountingWalks(), 1);
  EXPECT_EQ(sync_.docs().Get(admin_, project_, "notes.txt")->content, "notes\n");
  Put("a.md", "A3\n");
  EXPECT_EQ(ExportCountingWalks(), 0) << "marked again, with these endings";
}

// Local writes change no base: deleting a doc leaves a tombstone at its base, and a doc
// written again under that name takes it, so the state still matches the tree.
TEST_F(GitExportWalkTest, DocsDeletedOrDeletedAndWrittenAgainHereArePushedWithoutAWalk) {
  Import();
  ASSERT_TRUE(sync_.docs().Delete(admin_, project_, "a.md").ok());
  Put("a.md", "A, written again\n");
  ASSERT_TRUE(sync_.docs().Delete(admin_, project_, "guides/b.md").ok());
  ExportReport r;
  EXPECT_EQ(ExportCountingWalks(&r), 0);
  EXPECT_EQ(r.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(r.deleted, std::vector<std::string>{"guides/b.md"});
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " ls-tree -r --name-only main"), "docs/a.md\n");
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, written again\n");
}

// A stored conflict cannot outlive a clean whole import, but if one is there the export
// walks, so it refuses or clears it exactly as it did before the walk could be skipped.
TEST_F(GitExportWalkTest, AStoredConflictMakesTheExportWalk) {
  Import();
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    return tx.PutConflict({project_, "a.md", "planted", "c", "", GitBlobId("A\n"), std::nullopt, std::nullopt, {}});
  }).ok());
  Put("a.md", "A2\n");
  EXPECT_EQ(ExportCountingWalks(), 1);
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty()) << "the walk found none and cleared it";
  Put("a.md", "A3\n");
  EXPECT_EQ(ExportCountingWalks(), 0);
}

// A doc deleted while its push was under way keeps the old base in its tombstone; the
// pushed commit has the new text, so the state no longer matches it and a walk must
// raise the conflict instead of deleting the pushed text.
TEST_F(GitExportWalkTest, ADocDeletedDuringItsPushMakesTheNextExportWalk) {
  Import();
  Put("a.md", "A2\n");
  counting_->before_push = [&] { ASSERT_TRUE(sync_.docs().Delete(admin_, project_, "a.md").ok()); };
  EXPECT_EQ(ExportCountingWalks(), 0);
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A2\n");
  counting_->tree_listings = 0;
  auto refused = git_sync_->Export(admin_, project_, {});
  EXPECT_EQ(counting_->tree_listings.load(), 1);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A2\n");
}

}  // namespace
}  // namespace libsync::testing
