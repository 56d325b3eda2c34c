// Import and export against real git repositories through libgit2.

#include "libsync/git_sync_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>
#include <functional>
#include <utility>
#include <thread>

#include "../sql/temp_dir.hpp"
#include "git_service_fixture.hpp"
#include "loopback_server.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/hashing.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/remote_url.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {
namespace {

class GitSyncTest : public GitServiceTest {
 protected:
  void SetUp() override {
    GitServiceTest::SetUp();
    project_ = sync_.projects().Create(admin_, {.name = "web", .repo_url = repos_->bare()})->id;
  }

  ImportReport Import(ImportRequest request = {}) {
    auto report = git_sync_->Import(admin_, project_, request);
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report.has_value() ? report.value() : ImportReport{};
  }
  ExportReport Export(ExportRequest request = {}) {
    auto report = git_sync_->Export(admin_, project_, request);
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report.has_value() ? report.value() : ExportReport{};
  }
  Doc Get(const std::string& name) { return sync_.docs().Get(admin_, project_, name).value(); }
  void Put(const std::string& name, const std::string& content) {
    ASSERT_TRUE(sync_.docs().Put(admin_, project_, name, content).has_value());
  }
  void Delete(const std::string& name) { ASSERT_TRUE(sync_.docs().Delete(admin_, project_, name).ok()); }
  /// How many events of this type were published (Types() is a copy: one per call).
  std::ptrdiff_t Announced(const std::string& type) {
    const std::vector<std::string> types = sink_.Types();
    return std::count(types.begin(), types.end(), type);
  }
  /// An import during which the project's docsPath is changed to `folder`: its error.
  Status ImportWhileTheDocsPathMovesTo(const std::string& folder) {
    counting_->during_blob_read = [this, folder] {
      ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = folder}).has_value());
    };
    auto import = git_sync_->Import(admin_, project_, {});
    EXPECT_FALSE(import.has_value()) << "the import applied what it read of the old folder";
    return import.has_value() ? Status::Ok() : import.error();
  }
  /// The repository's first commit with these files under docs/, imported.
  ImportReport ImportFirst(const std::vector<std::pair<std::string, std::string>>& files) {
    for (const auto& [name, text] : files) repos_->Write("docs/" + name, text);
    repos_->CommitAndPush("docs");
    return Import();
  }

};

const std::string kThreeParagraphs = "# Title\n\nfirst paragraph\n\nmiddle paragraph\n\nlast paragraph\n";

TEST_F(GitSyncTest, FirstImportBringsNestedMarkdownUnderDocsPath) {
  repos_->Write("docs/overview.md", "# Overview\n");
  repos_->Write("docs/guides/style.md", "# Style\n");
  repos_->Write("docs/guides/deep/ADR.MD", "# ADR\n");
  repos_->Write("docs/logo.png", "\x89PNG");
  repos_->Write("README.md", "outside docs\n");
  repos_->CommitAndPush("docs");
  ImportReport r = Import();
  std::sort(r.imported.begin(), r.imported.end());
  EXPECT_EQ(r.imported, (std::vector<std::string>{"guides/deep/ADR.MD", "guides/style.md", "overview.md"}));
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.commit.size(), 40u);
  Doc style = Get("guides/style.md");
  EXPECT_EQ(style.content, "# Style\n");
  EXPECT_EQ(style.base_blob_oid, GitBlobId("# Style\n"));
  auto history = sync_.docs().History(admin_, project_, "guides/style.md").value();
  EXPECT_EQ(history[0].source, VersionSource::kGit);
  EXPECT_EQ(sync_.projects().Get(admin_, project_)->last_synced_commit, r.commit);
  EXPECT_GT(Announced("sync:completed"), 0);
}

// A file the store could not keep as a doc (not UTF-8) is reported by name, and the other
// new files, read in the same call, still arrive.
// A new file that is no doc's text (a Latin-1 page) is left alone, as a file of a name no
// doc may have is: it blocks no export, and the export never writes over it. A doc written
// here under its name meets it as a conflict.
TEST_F(GitSyncTest, ANewFileThatIsNotUtf8TextIsSkippedAndTheOthersArrive) {
  repos_->Write("docs/a.md", "# A\n");
  repos_->Write("docs/b.md", "# B \xff\xfe not UTF-8\n");
  repos_->Write("docs/c.md", "# C\n");
  repos_->CommitAndPush("docs");
  ImportReport r = Import();
  std::sort(r.imported.begin(), r.imported.end());
  EXPECT_EQ(r.imported, (std::vector<std::string>{"a.md", "c.md"}));
  EXPECT_TRUE(r.conflicts.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].file_name, "b.md");
  EXPECT_NE(r.skipped[0].reason.find("not UTF-8"), std::string::npos) << r.skipped[0].reason;
  EXPECT_EQ(Get("c.md").content, "# C\n");
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "b.md").has_value());

  Put("a.md", "# A, edited\n");
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "# B \xff\xfe not UTF-8\n");

  Put("b.md", "# B as text\n");
  auto refused = git_sync_->Export(admin_, project_, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed) << refused.error().ToString();
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "# B \xff\xfe not UTF-8\n");
}

TEST_F(GitSyncTest, NonRecursiveImportTakesOnlyTheTopFolder) {
  repos_->Write("docs/overview.md", "# Overview\n");
  repos_->Write("docs/guides/style.md", "# Style\n");
  repos_->CommitAndPush("docs");
  ImportReport r = Import({.recursive = false});
  EXPECT_EQ(r.imported, std::vector<std::string>{"overview.md"});
}

TEST_F(GitSyncTest, ReimportReadsNothingAndChangesNothing) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  counting_->blob_reads = 0;
  ImportReport again = Import();
  EXPECT_TRUE(again.imported.empty());
  EXPECT_TRUE(again.updated.empty());
  EXPECT_EQ(again.unchanged.size(), 2u);
  EXPECT_EQ(counting_->blob_reads.load(), 0) << "unchanged files must not be read";
  EXPECT_EQ(Get("a.md").version, 1);
}

TEST_F(GitSyncTest, ARemoteChangeArrivesAsANewVersion) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  repos_->Write("docs/a.md", "A2\n");
  repos_->CommitAndPush("edit a");
  counting_->blob_reads = 0;
  ImportReport r = Import();
  EXPECT_EQ(r.updated, std::vector<std::string>{"a.md"});
  EXPECT_EQ(counting_->blob_reads.load(), 1) << "only the changed file is read";
  EXPECT_EQ(Get("a.md").content, "A2\n");
  EXPECT_EQ(Get("a.md").version, 2);
  EXPECT_EQ(sync_.docs().History(admin_, project_, "a.md")->front().source, VersionSource::kGit);
}

// The import plans from the docs it read, then applies the plan in one transaction; a doc
// edited locally in between is re-checked there and kept, never overwritten.
TEST_F(GitSyncTest, ALocalEditMadeWhileTheImportRunsIsKept) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  Import();
  repos_->Write("docs/a.md", "A remote\n");
  repos_->CommitAndPush("edit a");
  counting_->during_blob_read = [&] { Put("a.md", "A local\n"); };
  auto report = git_sync_->Import(admin_, project_, {});
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_FALSE(counting_->during_blob_read) << "the import read no blob";
  EXPECT_EQ(Get("a.md").content, "A local\n") << "the import overwrote a local edit made while it ran";
  EXPECT_EQ(Get("a.md").version, 2);
  EXPECT_TRUE(report->updated.empty());
  ASSERT_EQ(report->conflicts.size(), 1u);
  EXPECT_EQ(report->conflicts[0].file_name, "a.md");
  // The next import sees both sides changed in the same line: a conflict, local text kept.
  EXPECT_EQ(Import().conflicts.size(), 1u);
  EXPECT_EQ(Get("a.md").content, "A local\n");
}

TEST_F(GitSyncTest, EditsInDifferentRegionsMergeCleanly) {
  repos_->Write("docs/a.md", kThreeParagraphs);
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "# Title\n\nfirst paragraph, edited here\n\nmiddle paragraph\n\nlast paragraph\n");
  repos_->Write("docs/a.md", "# Title\n\nfirst paragraph\n\nmiddle paragraph\n\nlast paragraph, edited there\n");
  repos_->CommitAndPush("edit last");
  ImportReport r = Import();
  EXPECT_EQ(r.updated, std::vector<std::string>{"a.md"});
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(Get("a.md").content,
            "# Title\n\nfirst paragraph, edited here\n\nmiddle paragraph\n\nlast paragraph, edited there\n");
}

TEST_F(GitSyncTest, EditsInTheSameRegionConflictAndKeepTheLocalText) {
  repos_->Write("docs/a.md", kThreeParagraphs);
  repos_->CommitAndPush("docs");
  Import();
  const std::string local = "# Title\n\nfirst paragraph\n\nmiddle, our way\n\nlast paragraph\n";
  Put("a.md", local);
  repos_->Write("docs/a.md", "# Title\n\nfirst paragraph\n\nmiddle, their way\n\nlast paragraph\n");
  repos_->CommitAndPush("edit middle");
  sink_.Clear();
  ImportReport r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "a.md");
  EXPECT_EQ(r.conflicts[0].remote_content, "# Title\n\nfirst paragraph\n\nmiddle, their way\n\nlast paragraph\n")
      << "the report carries what the repository holds, to show beside the local text";
  EXPECT_EQ(r.conflicts[0].remote_blob_id.size(), 40u);
  EXPECT_EQ(Get("a.md").content, local) << "an import must never overwrite an unpushed local edit";
  EXPECT_GT(Announced("sync:conflict"), 0);
  // Export refuses until the conflict is resolved.
  auto blocked = git_sync_->Export(admin_, project_, {});
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code(), ErrorCode::kPreconditionFailed);
}

// A doc made locally and a file in the repository with the same name: the report shows
// the repository's text, and saving that text locally settles it at the next import.
TEST_F(GitSyncTest, TakingTheRepositorysTextFromTheReportResolvesTheConflict) {
  Put("a.md", "A made here\n");
  repos_->Write("docs/a.md", "A made there\n");
  repos_->CommitAndPush("docs");
  ImportReport r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  ASSERT_EQ(r.conflicts[0].remote_content, "A made there\n");
  Put("a.md", *r.conflicts[0].remote_content);
  ImportReport again = Import();
  EXPECT_TRUE(again.conflicts.empty());
  EXPECT_EQ(again.unchanged, std::vector<std::string>{"a.md"}) << "the same blob on both sides is recorded as the base";
  EXPECT_TRUE(Import().conflicts.empty());
}

TEST_F(GitSyncTest, ConflictsAreListedWithAllThreeTextsAndAResolvingWriteSettlesThem) {
  repos_->Write("docs/a.md", kThreeParagraphs);
  repos_->CommitAndPush("docs");
  Import();
  const std::string local = "# Title\n\nfirst paragraph\n\nmiddle, our way\n\nlast paragraph\n";
  const std::string theirs = "# Title\n\nfirst paragraph\n\nmiddle, their way\n\nlast paragraph\n";
  Put("a.md", local);
  repos_->Write("docs/a.md", theirs);
  repos_->CommitAndPush("edit middle");
  ASSERT_EQ(Import().conflicts.size(), 1u);

  auto listed = sync_.docs().Conflicts(admin_, project_);
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  const ConflictView& c = listed->front();
  EXPECT_EQ(c.conflict.file_name, "a.md");
  EXPECT_EQ(c.conflict.base_blob_oid, GitBlobId(kThreeParagraphs));
  EXPECT_EQ(c.conflict.base_content, kThreeParagraphs);
  EXPECT_EQ(c.conflict.remote_blob_oid, GitBlobId(theirs));
  EXPECT_EQ(c.conflict.remote_content, theirs);
  ASSERT_TRUE(c.local.has_value());
  EXPECT_EQ(c.local->content, local);
  EXPECT_EQ(c.conflict.commit, repos_->Git("rev-parse HEAD").substr(0, 40));

  // Only the very blob listed resolves it; anything else changes nothing.
  const std::string resolved = "# Title\n\nfirst paragraph\n\nmiddle, both ways\n\nlast paragraph\n";
  auto stale = sync_.docs().Put(admin_, project_, "a.md", resolved, {.resolves = GitBlobId("something else")});
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code(), ErrorCode::kPreconditionFailed);
  auto malformed = sync_.docs().Put(admin_, project_, "a.md", resolved, {.resolves = "HEAD"});
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Get("a.md").content, local);
  EXPECT_EQ(sync_.docs().Conflicts(admin_, project_)->size(), 1u);

  auto written = sync_.docs().Put(admin_, project_, "a.md", resolved, {.resolves = c.conflict.remote_blob_oid});
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  EXPECT_EQ(written->doc.base_blob_oid, GitBlobId(theirs)) << "the repository's blob is the new base";
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty()) << "the conflict clears when resolved";

  counting_->blob_reads = 0;
  ImportReport clean = Import();
  EXPECT_TRUE(clean.conflicts.empty()) << "the next import does not raise it again";
  EXPECT_EQ(clean.unchanged, std::vector<std::string>{"a.md"});
  EXPECT_EQ(counting_->blob_reads.load(), 0);
  EXPECT_EQ(Get("a.md").content, resolved);
  ExportReport pushed = Export();
  EXPECT_EQ(pushed.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), resolved) << "the next export pushes the resolution";
  EXPECT_TRUE(Import().conflicts.empty());
}

TEST_F(GitSyncTest, AnImportReplacesTheConflictsOfTheLastOne) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "A, ours\n");
  repos_->Write("docs/a.md", "A, theirs\n");
  repos_->CommitAndPush("theirs");
  Import();
  ASSERT_EQ(sync_.docs().Conflicts(admin_, project_)->size(), 1u);
  // The repository comes round to our text: nothing is left to resolve.
  repos_->Write("docs/a.md", "A, ours\n");
  repos_->CommitAndPush("ours");
  EXPECT_TRUE(Import().conflicts.empty());
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty());
}

TEST_F(GitSyncTest, ResolvingADeletionInTheRepositoryByKeepingTheDocAddsItBack) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "A, edited here\n");
  repos_->Remove("docs/a.md");
  repos_->CommitAndPush("delete there");
  ASSERT_EQ(Import().conflicts.size(), 1u);
  auto listed = sync_.docs().Conflicts(admin_, project_);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().conflict.remote_blob_oid, kNoBlobId);
  EXPECT_FALSE(listed->front().conflict.remote_content.has_value());
  EXPECT_EQ(listed->front().conflict.base_content, "A\n");
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "A, edited here\n", {.resolves = std::string(kNoBlobId)})
                  .has_value());
  ExportReport r = Export();
  EXPECT_EQ(r.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, edited here\n");
}

TEST_F(GitSyncTest, ResolvingADeletionHereByTakingTheRepositorysTextBringsTheDocBack) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  Import();
  Delete("a.md");
  repos_->Write("docs/a.md", "A, changed there\n");
  repos_->CommitAndPush("edit");
  Import();
  auto listed = sync_.docs().Conflicts(admin_, project_);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE(listed->front().local.has_value()) << "deleted here";
  EXPECT_EQ(listed->front().conflict.base_content, "A\n");
  const DocConflict& c = listed->front().conflict;
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", *c.remote_content, {.resolves = c.remote_blob_oid}).has_value());
  ImportReport clean = Import();
  EXPECT_TRUE(clean.conflicts.empty());
  ExportReport r = Export();
  EXPECT_TRUE(r.pushed.empty());
  EXPECT_TRUE(r.deleted.empty());
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, changed there\n");
}

TEST_F(GitSyncTest, TheProjectShowsHowEachDirectionLastEndedAndFailuresAreAnnounced) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  const std::string head = repos_->Git("rev-parse HEAD").substr(0, 40);
  Import();
  ProjectView p = sync_.projects().Get(admin_, project_).value();
  ASSERT_TRUE(p.last_import.at.has_value());
  EXPECT_EQ(p.last_import.commit, head);
  EXPECT_EQ(p.last_import.result, "ok");
  EXPECT_FALSE(p.last_export.at.has_value()) << "no export yet";

  Put("a.md", "A, ours\n");
  repos_->Write("docs/a.md", "A, theirs\n");
  repos_->CommitAndPush("theirs");
  Import();
  p = sync_.projects().Get(admin_, project_).value();
  EXPECT_EQ(p.last_import.result, "conflicts");
  sink_.Clear();
  EXPECT_FALSE(git_sync_->Export(admin_, project_, {}).has_value());
  p = sync_.projects().Get(admin_, project_).value();
  EXPECT_EQ(p.last_export.result, "conflicts");
  EXPECT_NE(p.last_sync_error.find("a.md"), std::string::npos) << p.last_sync_error;
  const std::vector<std::string> types = sink_.Types();
  EXPECT_NE(std::find(types.begin(), types.end(), "sync:failed"), types.end());

  Put("a.md", "A, theirs\n");
  ExportReport exported = Export();
  p = sync_.projects().Get(admin_, project_).value();
  EXPECT_EQ(p.last_export.result, "ok");
  EXPECT_EQ(p.last_export.commit, exported.commit);

  // The remote goes away: the failure is recorded and announced, in words fit for readers.
  std::filesystem::rename(repos_->bare(), repos_->bare() + ".moved");
  sink_.Clear();
  auto failed = git_sync_->Import(admin_, project_, {});
  ASSERT_FALSE(failed.has_value());
  p = sync_.projects().Get(admin_, project_).value();
  EXPECT_EQ(p.last_import.result, "failed");
  EXPECT_EQ(p.last_import.commit, "");
  ASSERT_TRUE(p.last_sync_error_at.has_value());
  EXPECT_FALSE(p.last_sync_error.empty());
  EXPECT_EQ(p.last_export.result, "ok") << "the other direction keeps its own record";
  const std::vector<Event> events = sink_.Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "sync:failed");
  EXPECT_NE(events.back().payload.find(R"("direction":"import")"), std::string::npos) << events.back().payload;

  const GitSyncService::SyncCounts counts = git_sync_->counts();
  using D = GitSyncService::SyncDirection;
  using R = GitSyncService::SyncResult;
  EXPECT_EQ(counts.syncs[static_cast<int>(D::kImport)][static_cast<int>(R::kFailed)], 1u);
  EXPECT_EQ(counts.syncs[static_cast<int>(D::kExport)][static_cast<int>(R::kConflicts)], 1u);
  EXPECT_EQ(counts.syncs[static_cast<int>(D::kExport)][static_cast<int>(R::kOk)], 1u);
}

TEST_F(GitSyncTest, RemoteDeletionDeletesUnchangedDocsOnly) {
  repos_->Write("docs/gone.md", "gone\n");
  repos_->Write("docs/kept.md", "kept\n");
  repos_->Write("docs/keep-me.md", "keep\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("kept.md", "kept, edited locally\n");
  repos_->Remove("docs/gone.md");
  repos_->Remove("docs/kept.md");
  repos_->CommitAndPush("delete");
  ImportReport r = Import();
  EXPECT_EQ(r.deleted, std::vector<std::string>{"gone.md"});
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "kept.md");
  EXPECT_TRUE(r.conflicts[0].remote_blob_id.empty()) << "deleted there: the repository holds nothing for it";
  EXPECT_FALSE(r.conflicts[0].remote_content.has_value());
  EXPECT_EQ(sync_.docs().Get(admin_, project_, "gone.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Get("kept.md").content, "kept, edited locally\n");
}

// An import of one folder of the docsPath (`path`) names its files by their place under
// the docsPath, as every import does: a file of that folder never lands on the doc of a
// file elsewhere that has the same name in its own folder, and the docs it does not list
// are not files deleted from the repository.
TEST_F(GitSyncTest, AnImportOfOneFolderNamesItsFilesUnderTheDocsPath) {
  repos_->Write("docs/a.md", "line 1\nline 2\nline 3\n");
  repos_->Write("docs/guides/a.md", "guide 1\n");
  repos_->Write("docs/guides/deep/c.md", "C\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "line 1, edited here\nline 2\nline 3\n");
  repos_->Pull();
  repos_->Write("docs/guides/a.md", "guide 1, edited there\n");
  repos_->Write("docs/guides/new.md", "new\n");
  repos_->CommitAndPush("guides");

  ImportReport r = Import({.path = "docs/guides", .recursive = false});
  EXPECT_EQ(r.updated, std::vector<std::string>{"guides/a.md"});
  EXPECT_EQ(r.imported, std::vector<std::string>{"guides/new.md"});
  EXPECT_TRUE(r.deleted.empty());
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(Get("a.md").content, "line 1, edited here\nline 2\nline 3\n") << "another file's doc";
  EXPECT_EQ(Get("guides/a.md").content, "guide 1, edited there\n");
  EXPECT_EQ(sync_.docs().Get(admin_, project_, "new.md").error().code(), ErrorCode::kNotFound);

  // Deleted in the repository: the folder's import deletes the docs it lists, and only
  // those (a subfolder's too when recursive).
  repos_->Pull();
  repos_->Remove("docs/a.md");
  repos_->Remove("docs/guides/new.md");
  repos_->Remove("docs/guides/deep/c.md");
  repos_->CommitAndPush("deletions");
  EXPECT_EQ(Import({.path = "docs/guides", .recursive = false}).deleted, std::vector<std::string>{"guides/new.md"});
  EXPECT_EQ(Import({.path = "docs/guides/"}).deleted, std::vector<std::string>{"guides/deep/c.md"});
  EXPECT_EQ(Get("a.md").content, "line 1, edited here\nline 2\nline 3\n") << "outside the folder listed";
}

TEST_F(GitSyncTest, AnImportOfAFolderOutsideTheDocsPathIsRefused) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("other/a.md", "another A\n");
  repos_->CommitAndPush("two folders");
  Import();
  for (const std::string_view path : {"other", "", ".", "doc", "docs-old", "docs/../other"}) {
    auto r = git_sync_->Import(admin_, project_, {.path = std::string(path)});
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << path;
    if (path == "docs/../other") {
      EXPECT_NE(r.error().message().find("path must not"), std::string::npos) << r.error().message();
    } else {
      EXPECT_NE(r.error().message().find("is not the project's docsPath ('docs') or a folder in it"),
                std::string::npos)
          << r.error().message();
    }
  }
  EXPECT_EQ(Get("a.md").content, "A\n");
  EXPECT_EQ(sync_.docs().List(admin_, project_)->size(), 1u);
  EXPECT_EQ(Import({.path = "docs"}).unchanged, std::vector<std::string>{"a.md"}) << "the docsPath itself";
}

// A symbolic link or a submodule with a doc's ending is no doc: the import says it left it
// alone, and a doc written here under its name is a 412 naming it, never pushed over it (a
// submodule made every export a 500). A doc over an executable file keeps its mode.
TEST_F(GitSyncTest, LinksAndSubmodulesAreLeftAloneAndAFilesModeIsKept) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/tool.md", "run me\n");
  repos_->CommitAndPush("docs");
  repos_->Git("update-index --chmod=+x docs/tool.md");
  repos_->Git("commit -q -m exec");
  std::filesystem::create_symlink("a.md", repos_->work() + "/docs/link.md");
  repos_->Git("add docs/link.md");
  repos_->Git("update-index --add --cacheinfo 160000,1234567890123456789012345678901234567890,docs/mod.md");
  repos_->Git("commit -q -m 'link and submodule'");
  repos_->Git("push -q origin HEAD:main");

  const ImportReport first = Import();
  std::set<std::string> skipped;
  for (const auto& s : first.skipped) skipped.insert(s.file_name);
  EXPECT_EQ(skipped, (std::set<std::string>{"link.md", "mod.md"}));
  EXPECT_EQ(std::set<std::string>(first.imported.begin(), first.imported.end()),
            (std::set<std::string>{"a.md", "tool.md"}));

  for (const std::string name : {"link.md", "mod.md"}) {
    Put(name, "written here\n");
    auto refused = git_sync_->Export(admin_, project_, {.file_name = name});
    ASSERT_FALSE(refused.has_value()) << name;
    EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed) << refused.error().ToString();
    EXPECT_NE(refused.error().message().find(name == "link.md" ? "symbolic link at docs/link.md" : "submodule at docs/mod.md"),
              std::string::npos)
        << refused.error().message();
    Delete(name);
  }
  Put("tool.md", "run me, edited\n");
  Export();
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " ls-tree main docs/tool.md docs/link.md docs/mod.md | cut -c1-6"),
            "120000\n160000\n100755\n");
}

// A blob larger than a doc may be is not read (inflated whole into memory, a repository of
// a few megabytes could cost gigabytes): its size comes from the object's header. A loose
// object whose header claims 8 GiB over three bytes (libgit2 reading it in full allocates
// the 8 GiB, for half a minute) is over the limit at once, for ReadBlob, ReadBlobs and an
// import, which leaves both files alone.
TEST_F(GitSyncTest, ABlobOverTheSizeLimitIsKnownByItsHeaderAndNeverRead) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  const std::string git = "git -C " + repos_->bare() + " ";
  const std::string claimed = "ab" + std::string(38, '0');
  Shell("python3 -c \"import zlib,os; d='" + repos_->bare() + "/objects/ab'; os.makedirs(d, exist_ok=True); "
        "open(d+'/" + claimed.substr(2) + "','wb').write(zlib.compress(b'blob 8589934592\\0abc'))\"");
  const std::size_t limit = 1024 * 1024;  // the service's default doc limit
  const std::string large =
      Shell("head -c " + std::to_string(limit + 1) + " /dev/zero | tr '\\0' x | " + git + "hash-object -w --stdin")
          .substr(0, 40);
  const std::string a = Shell(git + "rev-parse main:docs/a.md").substr(0, 40);
  const std::string docs = Shell("printf '100644 blob " + a + "\\ta.md\\n100644 blob " + claimed +
                                 "\\tclaimed.md\\n100644 blob " + large + "\\tlarge.md\\n' | " + git +
                                 "mktree --missing")
                               .substr(0, 40);
  const std::string root = Shell("printf '040000 tree " + docs + "\\tdocs\\n' | " + git + "mktree").substr(0, 40);
  Shell(git + "update-ref refs/heads/main " + Shell(git + "commit-tree " + root + " -p main -m big").substr(0, 40));

  const GitTarget target{.project_id = "p1", .url = repos_->bare(), .branch = "main"};
  ASSERT_TRUE(git2_->Fetch(target).has_value());
  auto one = git2_->ReadBlob(target, claimed, limit);
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().code(), ErrorCode::kTooLarge) << one.error().ToString();
  auto read = git2_->ReadBlobs(target, {claimed, large, a}, limit);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(read->at(0), std::nullopt);
  EXPECT_EQ(read->at(1), std::nullopt);
  EXPECT_EQ(read->at(2), "A\n");
  EXPECT_EQ(git2_->ReadBlobs(target, {large}, limit + 1).value().at(0), std::string(limit + 1, 'x'));

  const ImportReport r = Import();
  EXPECT_EQ(counting_->last_read_limit, limit) << "the import reads new files up to the doc limit only";
  EXPECT_EQ(r.imported, std::vector<std::string>{"a.md"});
  std::set<std::string> skipped;
  for (const auto& s : r.skipped) skipped.insert(s.file_name);
  EXPECT_EQ(skipped, (std::set<std::string>{"claimed.md", "large.md"}));
  EXPECT_TRUE(r.conflicts.empty());
}

/// Puts on main a commit whose docs/ tree has one hand-made entry, `mode name` naming
/// `object` (a rev of the bare repository), which `git mktree` would refuse to write.
void CommitHandMadeDocsEntry(GitRepos& repos, const std::string& mode_and_name, const std::string& object) {
  const std::string git = "git -C " + repos.bare() + " ";
  const std::string id = Shell(git + "rev-parse " + object).substr(0, 40);
  const std::string docs = Shell("python3 -c \"import sys; sys.stdout.buffer.write(b'" + mode_and_name +
                                 "\\0' + bytes.fromhex('" + id + "'))\" | " + git +
                                 "hash-object -w --literally -t tree --stdin")
                               .substr(0, 40);
  const std::string root = Shell("printf '040000 tree " + docs + "\\tdocs\\n' | " + git + "mktree").substr(0, 40);
  Shell(git + "update-ref refs/heads/main " + Shell(git + "commit-tree " + root + " -p main -m hand-made").substr(0, 40));
}

// A hand-made tree is the repository's to repair (412 naming what is wrong), not a server
// error at every import nor a 404 a client reads as "no such project": a tree libgit2
// cannot parse (an entry without a name), and a file entry naming another kind of object.
TEST_F(GitSyncTest, HandMadeTreesAreTheRepositorysToRepair) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  const std::pair<std::pair<std::string, std::string>, std::string> cases[] = {
      {{"100644 ", "main:docs/a.md"}, "the repository's tree under 'docs' cannot be read"},
      {{"100644 x.md", "main:docs"}, "as a file, but it is a tree"},
  };
  for (const auto& [entry, expected] : cases) {
    CommitHandMadeDocsEntry(*repos_, entry.first, entry.second);
    auto refused = git_sync_->Import(admin_, project_, {});
    ASSERT_FALSE(refused.has_value()) << expected;
    EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed) << refused.error().ToString();
    EXPECT_NE(refused.error().message().find(expected), std::string::npos) << refused.error().message();
    Shell("git -C " + repos_->bare() + " update-ref refs/heads/main main~1");
  }
}

TEST_F(GitSyncTest, ADocDeletedHereLeavesTheRepositoryInTheSameCommitAsTheEdits) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->Write("docs/guides/c.md", "C\n");
  repos_->CommitAndPush("docs");
  Import();
  const int before = repos_->CommitCount();
  Put("a.md", "A, edited\n");
  Delete("b.md");
  Delete("guides/c.md");
  ImportReport between = Import();
  EXPECT_TRUE(between.imported.empty()) << "an import must not bring a doc deleted here back";
  EXPECT_TRUE(between.conflicts.empty());
  EXPECT_EQ(sync_.docs().Get(admin_, project_, "b.md").error().code(), ErrorCode::kNotFound);

  ExportReport r = Export();
  EXPECT_EQ(r.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(r.deleted, (std::vector<std::string>{"b.md", "guides/c.md"}));
  EXPECT_EQ(repos_->CommitCount(), before + 1) << "edits and deletions in one commit";
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " ls-tree -r --name-only main"), "docs/a.md\n");
  const std::string subject = repos_->Show("-s --format=%s main");
  EXPECT_NE(subject.find("delete b.md guides/c.md"), std::string::npos) << subject;

  // Settled: nothing comes back, nothing is pushed again.
  ImportReport after = Import();
  EXPECT_TRUE(after.imported.empty());
  EXPECT_TRUE(after.deleted.empty());
  ExportReport again = Export();
  EXPECT_TRUE(again.pushed.empty());
  EXPECT_TRUE(again.deleted.empty());
  EXPECT_EQ(repos_->CommitCount(), before + 1);
}

TEST_F(GitSyncTest, ADocDeletedHereButChangedInTheRepositoryIsAConflictNotASilentDelete) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  Import();
  Delete("a.md");
  repos_->Write("docs/a.md", "A, changed there\n");
  repos_->CommitAndPush("edit");
  const int before = repos_->CommitCount();
  ImportReport r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "a.md");
  EXPECT_EQ(r.conflicts[0].remote_blob_id, GitBlobId("A, changed there\n"));
  EXPECT_EQ(r.conflicts[0].remote_content, "A, changed there\n");
  EXPECT_TRUE(r.imported.empty()) << "the deletion is not undone behind the lead's back either";
  auto blocked = git_sync_->Export(admin_, project_, {});
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_NE(blocked.error().message().find("a.md"), std::string::npos) << blocked.error().message();
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, changed there\n");
  EXPECT_EQ(repos_->CommitCount(), before);

  // Keeping the repository's text settles it; deleting it again then deletes the file.
  Put("a.md", *r.conflicts[0].remote_content);
  ImportReport kept = Import();
  EXPECT_TRUE(kept.conflicts.empty());
  Delete("a.md");
  ExportReport gone = Export();
  EXPECT_EQ(gone.deleted, std::vector<std::string>{"a.md"});
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " ls-tree -r --name-only main"), "");
}

// A doc deleted here and changed there, written again with its own text and `resolves`:
// the new doc's base is the repository's blob (not the tombstone's), so the next import
// finds nothing to merge and the next export pushes the written text.
TEST_F(GitSyncTest, ADeletionResolvedWithOurOwnTextRecordsTheRepositorysBlob) {
  ImportFirst({{"a.md", "A\n"}});
  Delete("a.md");
  repos_->Write("docs/a.md", "A, changed there\n");
  repos_->CommitAndPush("change there");
  ImportReport r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  const std::string theirs = GitBlobId("A, changed there\n");
  auto written = sync_.docs().Put(admin_, project_, "a.md", "A, ours\n", {.resolves = theirs});
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  EXPECT_EQ(Get("a.md").base_blob_oid, theirs);
  EXPECT_TRUE(Import().conflicts.empty());
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, ours\n");
}

TEST_F(GitSyncTest, ADocDeletedOnBothSidesLeavesNothingToPush) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  Delete("a.md");
  repos_->Remove("docs/a.md");
  repos_->CommitAndPush("delete there");
  const int before = repos_->CommitCount();
  ImportReport r = Import();
  EXPECT_TRUE(r.conflicts.empty());
  ExportReport e = Export();
  EXPECT_TRUE(e.deleted.empty()) << "the repository deleted it too: the tombstone is settled";
  EXPECT_EQ(repos_->CommitCount(), before);
}

TEST_F(GitSyncTest, ADocDeletedAndWrittenAgainHereIsPushedAsAnEdit) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  Import();
  Delete("a.md");
  Put("a.md", "A, written again\n");
  EXPECT_EQ(Get("a.md").base_blob_oid, GitBlobId("A\n")) << "the new doc takes the tombstone's base";
  ImportReport r = Import();
  EXPECT_TRUE(r.conflicts.empty()) << "not a never-synced doc clashing with the repository's file";
  ExportReport e = Export();
  EXPECT_EQ(e.pushed, std::vector<std::string>{"a.md"});
  EXPECT_TRUE(e.deleted.empty());
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, written again\n");
}

TEST_F(GitSyncTest, ExportOfOneDeletedDocDeletesOnlyItsFile) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "A2\n");
  Delete("b.md");
  ExportReport r = Export({.file_name = "b.md"});
  EXPECT_TRUE(r.pushed.empty());
  EXPECT_EQ(r.deleted, std::vector<std::string>{"b.md"});
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " ls-tree -r --name-only main"), "docs/a.md\n");
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A\n");
  auto unknown = git_sync_->Export(admin_, project_, {.file_name = "never.md"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(GitSyncTest, ExportWritesOneCommitWithEveryChangedDoc) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  const int before = repos_->CommitCount();
  Put("a.md", "A, edited\n");
  Put("guides/new.md", "# New\n");
  ExportReport r = Export();
  std::sort(r.pushed.begin(), r.pushed.end());
  EXPECT_EQ(r.pushed, (std::vector<std::string>{"a.md", "guides/new.md"}));
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(repos_->CommitCount(), before + 1) << "one commit for all changed docs";
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, edited\n");
  EXPECT_EQ(repos_->Show("main:docs/guides/new.md"), "# New\n");
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "B\n");
  const std::string log = repos_->Show("-s --format=%s main");
  EXPECT_NE(log.find("a.md"), std::string::npos) << log;
  EXPECT_EQ(Get("a.md").base_blob_oid, GitBlobId("A, edited\n"));
  // Nothing left to push.
  ExportReport again = Export();
  EXPECT_TRUE(again.pushed.empty());
  EXPECT_EQ(repos_->CommitCount(), before + 1);
}

// Each write stores the doc's blob id, so export reads only the docs whose blob differs
// from their base. Shown by changing a doc's text behind the service's back while its
// stored blob id still says "as synced": an export that read every doc would push it.
TEST_F(GitSyncTest, ExportFindsChangedDocsByTheirStoredBlobIdsWithoutReadingTheRest) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  EXPECT_EQ(Get("a.md").blob_oid, GitBlobId("A\n"));
  Put("a.md", "A2\n");
  EXPECT_EQ(Get("a.md").blob_oid, GitBlobId("A2\n")) << "computed when the content is written";
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto b, tx.GetDoc(project_, "b.md"));
    b.content = "B, never looked at\n";
    return tx.UpdateDoc(b, b.version);
  }).ok());
  ExportReport r = Export();
  EXPECT_EQ(r.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A2\n");
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "B\n");
  // A doc named on its own is read whole, and pushed only if it differs from its base.
  const int commits = repos_->CommitCount();
  EXPECT_TRUE(Export({.file_name = "a.md"}).pushed.empty());
  EXPECT_EQ(repos_->CommitCount(), commits);
}

TEST_F(GitSyncTest, ExportOfOneDocPushesOnlyThatDoc) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "A2\n");
  Put("b.md", "B2\n");
  ExportReport r = Export({.file_name = "a.md"});
  EXPECT_EQ(r.pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A2\n");
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "B\n");
  // A doc named on its own is read whole, and pushed only if it differs from its base.
  const int commits = repos_->CommitCount();
  EXPECT_TRUE(Export({.file_name = "a.md"}).pushed.empty());
  EXPECT_EQ(repos_->CommitCount(), commits);
}

TEST_F(GitSyncTest, ExportAfterTheRemoteMovedKeepsBothSides) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  Put("a.md", "A, ours\n");
  // Someone pushes between our fetch and our push.
  counting_->before_push = [&] {
    repos_->Pull();
    repos_->Write("docs/b.md", "B, theirs\n");
    repos_->CommitAndPush("their edit");
  };
  ExportReport r = Export();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, ours\n");
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "B, theirs\n");
  EXPECT_EQ(Get("b.md").content, "B, theirs\n");
}

TEST_F(GitSyncTest, ImportDuringALockNeedsTheLockToken) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  auto grant = sync_.locks().Acquire(admin_, project_, {.locked_by = "lead"});
  auto refused = git_sync_->Import(admin_, project_, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kLocked);
  EXPECT_EQ(Import({.lock_token = grant->token}).imported, std::vector<std::string>{"a.md"});
}

TEST_F(GitSyncTest, BadRemotesGiveClearErrorsWithoutTheToken) {
  const std::string secret = "ghp_SUPERSECRETTOKEN123";
  for (const std::string& url : {dir_.path() + "/no-such-repo.git", std::string("https://127.0.0.1:1/acme/docs.git"),
                                 "file://u:" + secret + "@localhost" + dir_.path() + "/no-such-repo.git"}) {
    const std::string id = sync_.projects().Create(admin_, {.name = "bad", .repo_url = url, .token = secret})->id;
    auto r = git_sync_->Import(admin_, id, {});
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_TRUE(r.error().code() == ErrorCode::kNotFound || r.error().code() == ErrorCode::kUnavailable)
        << r.error().ToString();
    EXPECT_EQ(r.error().ToString().find(secret), std::string::npos) << r.error().ToString();
    EXPECT_FALSE(r.error().message().empty());
  }
}

/// The failure of `r`, or Ok when it succeeded.
template <class T>
Status ErrorOf(const Result<T>& r) {
  return r.has_value() ? Status::Ok() : r.error();
}

/// Answers every request with 401 and notes whether any request carried credentials.
class RejectingHttpServer {
 public:
  RejectingHttpServer()
      : server_([this](int fd) {
          if (ReadRequestHead(fd).find("Authorization: Basic") != std::string::npos) saw_credentials_ = true;
          Dribble(fd,
                  "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\n"
                  "Content-Length: 0\r\nConnection: close\r\n\r\n",
                  4096, std::chrono::milliseconds(0));
        }) {}
  std::string Url() const { return server_.Url(); }
  int connections() const { return server_.connections(); }
  bool saw_credentials() const { return saw_credentials_; }

 private:
  std::atomic<bool> saw_credentials_{false};
  LoopbackServer server_;
};

TEST_F(GitSyncTest, ARemoteAskingForCredentialsIsPermissionDenied) {
  RejectingHttpServer server;
  const std::string id = sync_.projects().Create(admin_, {.name = "auth", .repo_url = server.Url()})->id;
  auto r = git_sync_->Import(admin_, id, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied) << r.error().ToString();
  EXPECT_FALSE(server.saw_credentials());
}

// Neither the project's token nor a password (or a token given as the user name) in its
// repoUrl goes over plain http://: the sync is refused before it connects.
TEST_F(GitSyncTest, ACredentialIsNeverSentOverPlainHttp) {
  RejectingHttpServer server;
  const std::string secret = "ghp_PLAINHTTPTOKEN789";
  const std::string host = server.Url().substr(7);  // after http://
  const std::vector<std::pair<std::string, std::string>> projects{
      {server.Url(), secret},
      {"HTTP" + server.Url().substr(4), secret},
      {"http://alice:" + secret + "@" + host, ""},
      {"http://" + secret + "@" + host, ""},
  };
  for (const auto& [url, token] : projects) {
    SCOPED_TRACE(RedactRemoteUrl(url));
    const std::string id = sync_.projects().Create(admin_, {.name = "plain", .repo_url = url, .token = token})->id;
    for (const Status& refused : {ErrorOf(git_sync_->Import(admin_, id, {})), ErrorOf(git_sync_->Export(admin_, id, {}))}) {
      EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << refused.ToString();
      EXPECT_NE(refused.message().find("plain http://"), std::string::npos) << refused.message();
      EXPECT_EQ(refused.ToString().find(secret), std::string::npos);
    }
  }
  EXPECT_EQ(server.connections(), 0) << "the refused sync reached the remote";
  EXPECT_EQ(counting_->transfers.load(), 0);
}

// The store holds a repoUrl's password only sealed (ProjectService); git gets it back in
// place. Sealed for the URL as stored, it opens for no other: a row whose URL was changed
// to another host behind the service's back sends nothing anywhere.
TEST_F(GitSyncTest, GitGetsTheRepoUrlsSealedPasswordBackOnlyForItsOwnUrl) {
  const std::string url = "https://ci:pw-SEALED-42@127.0.0.1:1/acme/docs.git";
  const std::string id = sync_.projects().Create(admin_, {.name = "sealed", .repo_url = url})->id;
  ASSERT_FALSE(git_sync_->Import(admin_, id, {}).has_value()) << "nothing listens on port 1";
  EXPECT_EQ(counting_->fetched_url, url);

  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject(id));
    EXPECT_EQ(p.repo_url, "https://ci:***@127.0.0.1:1/acme/docs.git");
    p.repo_url = "https://ci:***@attacker.example/acme/docs.git";
    return tx.UpdateProject(p);
  }).ok());
  counting_->transfers = 0;
  auto refused = git_sync_->Import(admin_, id, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("give repoUrl again with its password"), std::string::npos) << refused.error().message();
  EXPECT_EQ(counting_->transfers.load(), 0);
}

// A repoUrl git cannot read, stored before the service refused such URLs, is the caller's
// to correct (400), not a remote to retry (503).
TEST_F(GitSyncTest, ARepoUrlGitCannotReadIsAnErrorToCorrectNotToRetry) {
  const std::string id = sync_.projects().Create(admin_, {.name = "odd", .repo_url = "https://host/x.git"})->id;
  for (const char* url : {"ftp://example.com/x.git", "https://example.com:99999/x.git"}) {
    ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject(id));
      p.repo_url = url;
      return tx.UpdateProject(p);
    }).ok());
    auto refused = git_sync_->Import(admin_, id, {});
    ASSERT_FALSE(refused.has_value()) << url;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << url << ": " << refused.error().ToString();
    EXPECT_NE(refused.error().message().find("cannot read the project's repoUrl"), std::string::npos)
        << refused.error().message();
  }
}

TEST_F(GitSyncTest, ASyncOfALockedProjectIsRefusedBeforeReachingTheRemote) {
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  ASSERT_TRUE(sync_.locks().Acquire(admin_, project_, {.locked_by = "lead"}).has_value());
  auto imported = git_sync_->Import(admin_, project_, {});
  ASSERT_FALSE(imported.has_value());
  EXPECT_EQ(imported.error().code(), ErrorCode::kLocked) << imported.error().ToString();
  auto exported = git_sync_->Export(admin_, project_, {.file_name = "a.md"});
  ASSERT_FALSE(exported.has_value());
  EXPECT_EQ(exported.error().code(), ErrorCode::kLocked) << exported.error().ToString();
  EXPECT_EQ(ErrorOf(git_sync_->Export(admin_, project_, {})).code(), ErrorCode::kLocked);
  EXPECT_EQ(counting_->transfers.load(), 0) << "a sync that cannot apply anything went to the remote first";
}

TEST_F(GitSyncTest, LocalRemotesAreRefusedUnlessAllowedWithoutSayingWhetherThePathExists) {
  GitSyncService strict(sync_.context(), *counting_);  // the default: local remotes off
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("docs");
  const std::string missing = dir_.path() + "/no-such-repo.git";
  std::string first_message;
  for (const std::string& url : {repos_->bare(), "file://" + repos_->bare(), "FILE://" + repos_->bare(), missing,
                                 "file://" + missing, std::string("relative/repo.git"), std::string("/etc")}) {
    const std::string id = sync_.projects().Create(admin_, {.name = "local", .repo_url = url})->id;
    for (const Status& refused : {ErrorOf(strict.Import(admin_, id, {})), ErrorOf(strict.Export(admin_, id, {}))}) {
      EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << url << ": " << refused.ToString();
      if (first_message.empty()) first_message = refused.message();
      EXPECT_EQ(refused.message(), first_message) << "the answer differs for " << url;
    }
  }
  EXPECT_NE(first_message.find("server's own disk"), std::string::npos) << first_message;
  EXPECT_EQ(counting_->transfers.load(), 0);
  // The same remote with local remotes allowed (the fixture's service).
  EXPECT_EQ(Import().imported, std::vector<std::string>{"a.md"});
}

std::string FilesOnMain(const GitRepos& repos) {
  return Shell("git -C " + repos.bare() + " ls-tree -r --name-only main");
}

// An import never reads a file of another ending, so it can neither bring its changes back
// nor tell that it was deleted there: such a doc stays on the server, on both sides.
TEST_F(GitSyncTest, DocsOfOtherEndingsAreNeitherPushedNorDeletedByTheNextImport) {
  ImportFirst({{"a.md", "A\n"}, {"llms.txt", "the repository's own\n"}});
  Put("llms.txt", "ours\n");
  Put("notes.txt", "kept here\n");
  Put("b.md", "B\n");
  ExportReport pushed = Export();
  EXPECT_EQ(pushed.pushed, std::vector<std::string>{"b.md"});
  EXPECT_EQ(repos_->Show("main:docs/llms.txt"), "the repository's own\n") << "not overwritten unseen";
  EXPECT_EQ(FilesOnMain(*repos_).find("notes.txt"), std::string::npos);
  ImportReport again = Import();
  EXPECT_TRUE(again.deleted.empty());
  EXPECT_EQ(Get("notes.txt").content, "kept here\n");
  EXPECT_EQ(Get("llms.txt").content, "ours\n");
  auto one = git_sync_->Export(admin_, project_, {.file_name = "notes.txt"});
  ASSERT_FALSE(one.has_value());
  EXPECT_EQ(one.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(one.error().message().find(".md"), std::string::npos) << one.error().message();
}

// A server whose import takes fewer endings never reads the others' files, so it cannot
// tell they were deleted there: the docs synced by a server that did read them stay.
TEST_F(GitSyncTest, AServerImportingFewerEndingsDeletesNoDocOfTheOthers) {
  ImportFirst({{"a.md", "A\n"}, {"b.mdx", "B\n"}});
  ASSERT_FALSE(Get("b.mdx").base_blob_oid.empty());
  GitSyncService md_only(sync_.context(), *counting_,
                         GitSyncOptions{.extensions = {".md"}, .allow_local_remotes = true});
  auto r = md_only.Import(admin_, project_, {});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_TRUE(r->deleted.empty());
  EXPECT_EQ(Get("b.mdx").content, "B\n");
}

// A branch with no commit yet gets every doc in its first one: with the changed docs
// alone, the next import would read every other file as deleted there.
TEST_F(GitSyncTest, AnExportToABranchThatDoesNotExistYetPushesEveryDoc) {
  ImportFirst({{"a.md", "A\n"}, {"b.md", "B\n"}, {"c.md", "C\n"}});
  Delete("c.md");
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.branch = "release"}).has_value());
  EXPECT_TRUE(sync_.projects().Get(admin_, project_)->last_synced_commit.empty());
  Put("a.md", "A, edited\n");
  ExportReport r = Export();
  std::sort(r.pushed.begin(), r.pushed.end());
  EXPECT_EQ(r.pushed, (std::vector<std::string>{"a.md", "b.md"}));
  EXPECT_TRUE(r.deleted.empty());
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " ls-tree -r --name-only release"), "docs/a.md\ndocs/b.md\n");
  ImportReport again = Import();
  EXPECT_TRUE(again.deleted.empty());
  EXPECT_TRUE(again.conflicts.empty());
  EXPECT_EQ(Get("b.md").content, "B\n");
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "c.md").has_value());
  EXPECT_EQ(Export().pushed, std::vector<std::string>{}) << "the tombstone went with the first commit";
}

// A docsPath naming a folder the branch does not have is a mistake to report, not every
// doc deleted there; a docsPath naming another folder makes the docs missing from it new
// files of it, which the next export adds, never deletions.
TEST_F(GitSyncTest, AnotherDocsPathDeletesNoDoc) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->Write("guides/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Import();
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = "doc"}).has_value());
  auto refused = git_sync_->Import(admin_, project_, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_NE(refused.error().message().find("'doc'"), std::string::npos) << refused.error().message();
  EXPECT_EQ(Get("a.md").content, "A\n");
  EXPECT_EQ(sync_.docs().History(admin_, project_, "a.md")->size(), 1u);

  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = "guides"}).has_value());
  ImportReport moved = Import();
  EXPECT_TRUE(moved.deleted.empty());
  EXPECT_TRUE(moved.conflicts.empty());
  EXPECT_EQ(moved.unchanged, std::vector<std::string>{"b.md"});
  EXPECT_EQ(Get("a.md").base_blob_oid, "") << "a new file of the new folder";
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:guides/a.md"), "A\n");
}

// The branch's whole change stays to be imported after an import of one folder: polling
// compares the head with the commit of the last whole import.
TEST_F(GitSyncTest, AnImportOfOneFolderLeavesTheCommitToImport) {
  ImportFirst({{"a.md", "A\n"}});
  const std::string synced = sync_.projects().Get(admin_, project_)->last_synced_commit;
  repos_->Write("docs/a.md", "A2\n");
  repos_->Write("docs/guides/b.md", "B\n");
  repos_->CommitAndPush("both");
  EXPECT_EQ(Import({.path = "docs/guides"}).imported, std::vector<std::string>{"guides/b.md"});
  EXPECT_EQ(sync_.projects().Get(admin_, project_)->last_synced_commit, synced);
  EXPECT_TRUE(git_sync_->CheckHead(admin_, project_)->moved);
  EXPECT_EQ(Import().updated, std::vector<std::string>{"a.md"});
  EXPECT_FALSE(git_sync_->CheckHead(admin_, project_)->moved);
}

// A doc deleted and written again while its deletion is pushed is a new file after the
// push: the next import keeps it and the next export adds it.
TEST_F(GitSyncTest, ADocWrittenAgainWhileItsDeletionIsPushedIsAddedByTheNextExport) {
  ImportFirst({{"a.md", "A\n"}});
  Delete("a.md");
  counting_->before_push = [&] { Put("a.md", "A\n"); };
  EXPECT_EQ(Export().deleted, std::vector<std::string>{"a.md"});
  EXPECT_EQ(FilesOnMain(*repos_), "");
  EXPECT_EQ(Get("a.md").base_blob_oid, "");
  EXPECT_TRUE(Import().deleted.empty());
  EXPECT_EQ(Get("a.md").content, "A\n");
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A\n");
}

// The plan's version check alone would pass a doc deleted and written again meanwhile (it
// starts again at version 1): its base and blob ids are checked too.
TEST_F(GitSyncTest, ADocDeletedAndWrittenAgainWhileTheImportRunsIsKept) {
  ImportFirst({{"a.md", "A\n"}, {"b.md", "B\n"}});
  repos_->Remove("docs/a.md");
  repos_->Write("docs/b.md", "B2\n");
  repos_->CommitAndPush("delete a, edit b");
  counting_->during_blob_read = [&] {
    Delete("a.md");
    Put("a.md", "A, written again\n");
  };
  ImportReport r = Import();
  EXPECT_TRUE(r.deleted.empty());
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "a.md");
  EXPECT_EQ(Get("a.md").content, "A, written again\n");
  EXPECT_EQ(Get("b.md").content, "B2\n");
}

// A conflict resolved while an import that found it runs is not stored again by it.
TEST_F(GitSyncTest, AConflictResolvedWhileTheImportRunsIsNotListedAgain) {
  ImportFirst({{"a.md", "A\n"}});
  Put("a.md", "A, ours\n");
  repos_->Write("docs/a.md", "A, theirs\n");
  repos_->CommitAndPush("theirs");
  ASSERT_EQ(Import().conflicts.size(), 1u);
  counting_->during_blob_read = [&] {
    const std::string blob = GitBlobId("A, theirs\n");
    ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "A, both\n", {.resolves = blob}).has_value());
  };
  ImportReport during = Import();
  EXPECT_TRUE(during.conflicts.empty()) << "planned before the resolution, and no longer one";
  EXPECT_EQ(sync_.projects().Get(admin_, project_)->last_import.result, "ok");
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty());
  EXPECT_TRUE(Import().conflicts.empty());
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, both\n");
}

// A file no doc may be named after is the repository's to fix: reported as skipped, it
// neither blocks an export nor is touched by one.
TEST_F(GitSyncTest, AFileNoDocMayBeNamedAfterIsSkippedAndExportsGoOn) {
  ImportReport r = ImportFirst({{"a.md", "A\n"}, {"meeting 10:30.md", "notes\n"}});
  EXPECT_TRUE(r.conflicts.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].file_name, "meeting 10:30.md");
  EXPECT_NE(r.skipped[0].reason.find("not a valid document name"), std::string::npos) << r.skipped[0].reason;
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty());
  Put("a.md", "A2\n");
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("'main:docs/meeting 10:30.md'"), "notes\n");
}

// A repository change the store cannot hold (not UTF-8) names its blob, so a resolving
// write (the doc's own text, `resolves` that blob) settles it.
TEST_F(GitSyncTest, AChangeThatIsNotTextNamesItsBlobAndAResolvingWriteSettlesIt) {
  ImportFirst({{"a.md", "A\n"}});
  const std::string binary = "A \xff\xfe\n";
  repos_->Write("docs/a.md", binary);
  repos_->CommitAndPush("binary");
  ImportReport r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].remote_blob_id, GitBlobId(binary));
  auto settled = sync_.docs().Put(admin_, project_, "a.md", "A, text again\n", {.resolves = GitBlobId(binary)});
  ASSERT_TRUE(settled.has_value()) << settled.error().ToString();
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty());
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(repos_->Show("main:docs/a.md"), "A, text again\n");
}

// A doc deleted here and a folder of the same name written: one commit removes the file
// and adds the folder (libgit2 refuses the two in one batch of tree updates).
TEST_F(GitSyncTest, AFileReplacedByAFolderOfTheSameNameIsOneExport) {
  ImportFirst({{"readme.md", "a file\n"}});
  Delete("readme.md");
  Put("readme.md/intro.md", "now a folder\n");
  ExportReport r = Export();
  EXPECT_EQ(r.deleted, std::vector<std::string>{"readme.md"});
  EXPECT_EQ(r.pushed, std::vector<std::string>{"readme.md/intro.md"});
  EXPECT_EQ(FilesOnMain(*repos_), "docs/readme.md/intro.md\n");
  EXPECT_EQ(repos_->CommitCount(), 2);
  EXPECT_TRUE(Import().conflicts.empty());
}

// A folder of the repository named like a doc written here (or a file named like a folder
// of docs here): creating it would make one name a file and a folder at once, which no
// workstation can pull. It is a conflict naming why, until one side gives the name up.
TEST_F(GitSyncTest, ARepositoryFolderNamedLikeADocHereIsAConflictNotASecondName) {
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  Put("a.md", "a doc written here\n");
  Put("notes.md/today.md", "a doc in a folder here\n");
  repos_->Write("docs/a.md/x.md", "X, in a folder of the repository\n");
  repos_->Write("docs/notes.md", "a file of the repository\n");
  repos_->CommitAndPush("a folder and a file");

  ImportReport r = Import();
  EXPECT_EQ(r.imported, std::vector<std::string>{"b.md"});
  ASSERT_EQ(r.conflicts.size(), 2u);
  EXPECT_EQ(r.conflicts[0].file_name, "a.md/x.md");
  EXPECT_NE(r.conflicts[0].reason.find("would make the doc 'a.md' a folder"), std::string::npos) << r.conflicts[0].reason;
  EXPECT_EQ(r.conflicts[0].remote_content, "X, in a folder of the repository\n");
  EXPECT_EQ(r.conflicts[1].file_name, "notes.md");
  EXPECT_NE(r.conflicts[1].reason.find("'notes.md/today.md'"), std::string::npos) << r.conflicts[1].reason;
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "a.md/x.md").has_value());
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "notes.md").has_value());
  EXPECT_EQ(sync_.docs().Conflicts(admin_, project_)->size(), 2u);
  auto refused = git_sync_->Export(admin_, project_, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("a.md/x.md"), std::string::npos) << refused.error().message();

  // The names given up here, the repository's come in and nothing is left to settle.
  Delete("a.md");
  Delete("notes.md/today.md");
  r = Import();
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.imported, (std::vector<std::string>{"a.md/x.md", "notes.md"}));
  EXPECT_TRUE(sync_.docs().Conflicts(admin_, project_)->empty());
}

// A repository file whose name differs from a doc here, or from another file of the
// repository, only in letter case would be one file with it on a workstation whose file
// system folds case. Beside a doc here it is a conflict; beside another file of the
// repository, which only the repository can settle, it is skipped (the first of the two
// in name order comes in) and blocks no export.
TEST_F(GitSyncTest, RepositoryFilesThatDifferOnlyInLetterCaseComeInOnce) {
  repos_->Write("docs/README.md", "upper\n");
  repos_->Write("docs/readme.md", "lower\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("twins");
  ImportReport r = Import();
  EXPECT_EQ(r.imported, (std::vector<std::string>{"README.md", "b.md"}));
  EXPECT_TRUE(r.conflicts.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].file_name, "readme.md");
  EXPECT_NE(r.skipped[0].reason.find("differ only in letter case"), std::string::npos) << r.skipped[0].reason;
  EXPECT_NE(r.skipped[0].reason.find("'README.md'"), std::string::npos) << r.skipped[0].reason;
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "readme.md").has_value());
  Put("b.md", "B, edited here\n");
  auto exported = git_sync_->Export(admin_, project_, {});
  ASSERT_TRUE(exported.has_value()) << exported.error().ToString();
  EXPECT_EQ(exported->pushed, std::vector<std::string>{"b.md"});
  repos_->Pull();

  // Against a doc written here.
  Put("Guide.md", "written here\n");
  repos_->Write("docs/guide.md", "the repository's\n");
  repos_->CommitAndPush("a twin of a doc here");
  r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "guide.md");
  EXPECT_NE(r.conflicts[0].reason.find("'Guide.md'"), std::string::npos) << r.conflicts[0].reason;
  EXPECT_EQ(r.conflicts[0].remote_content, "the repository's\n");
  EXPECT_EQ(Get("Guide.md").content, "written here\n");
  EXPECT_EQ(r.skipped.size(), 1u);
  // Pushing the doc alone would put the second name beside the repository's file.
  auto refused = git_sync_->Export(admin_, project_, {.file_name = "Guide.md"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("guide.md"), std::string::npos) << refused.error().message();

  // A rename that only changes case in the repository deletes the old name and brings the
  // new one in, in the same import.
  repos_->Remove("docs/readme.md");
  repos_->Remove("docs/guide.md");
  repos_->Remove("docs/README.md");
  repos_->Write("docs/ReadMe.md", "upper\n");
  repos_->CommitAndPush("renamed by case");
  r = Import();
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.imported, std::vector<std::string>{"ReadMe.md"});
  EXPECT_EQ(r.deleted, std::vector<std::string>{"README.md"});
}

// A file and a folder whose names differ only in letter case are one path on a
// workstation whose file system folds case: "Notes.md" would have to be a file and the
// folder of "notes.md/x.md" at once. Beside a doc here it is a conflict; between two
// files of the repository, it is skipped (the first in name order comes in) and blocks
// no export.
TEST_F(GitSyncTest, AFileAndAFolderThatDifferOnlyInLetterCaseComeInOnce) {
  repos_->Write("docs/Notes.md", "a file\n");
  repos_->Write("docs/notes.md/x.md", "in a folder\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("a file and a folder, one path when case folds");
  ImportReport r = Import();
  EXPECT_EQ(r.imported, (std::vector<std::string>{"Notes.md", "b.md"}));
  EXPECT_TRUE(r.conflicts.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].file_name, "notes.md/x.md");
  EXPECT_NE(r.skipped[0].reason.find("would make the doc 'Notes.md' a folder on a workstation whose file system "
                                     "folds case"),
            std::string::npos)
      << r.skipped[0].reason;
  Put("b.md", "B, edited here\n");
  auto exported = git_sync_->Export(admin_, project_, {});
  ASSERT_TRUE(exported.has_value()) << exported.error().ToString();
  EXPECT_EQ(exported->pushed, std::vector<std::string>{"b.md"});
  repos_->Pull();

  // Against docs written here, either way round.
  Put("Guides.md/style.md", "written here\n");
  Put("Todo.md", "written here\n");
  repos_->Write("docs/guides.md", "a file of the repository\n");
  repos_->Write("docs/todo.md/today.md", "in a folder of the repository\n");
  repos_->CommitAndPush("a file and a folder named like docs here");
  r = Import();
  ASSERT_EQ(r.conflicts.size(), 2u);
  EXPECT_EQ(r.conflicts[0].file_name, "guides.md");
  EXPECT_NE(r.conflicts[0].reason.find("is a folder of docs ('Guides.md/style.md')"), std::string::npos)
      << r.conflicts[0].reason;
  EXPECT_EQ(r.conflicts[1].file_name, "todo.md/today.md");
  EXPECT_NE(r.conflicts[1].reason.find("would make the doc 'Todo.md' a folder"), std::string::npos)
      << r.conflicts[1].reason;
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "guides.md").has_value());
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "todo.md/today.md").has_value());
  // Pushing either doc alone would put its name beside the repository's clashing file.
  for (const char* doc : {"Guides.md/style.md", "Todo.md"}) {
    auto refused = git_sync_->Export(admin_, project_, {.file_name = doc});
    ASSERT_FALSE(refused.has_value()) << doc;
    EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed) << refused.error().ToString();
  }

  // Once the docs here give the names up, the repository's files come in.
  Delete("Guides.md/style.md");
  Delete("Todo.md");
  r = Import();
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.imported, (std::vector<std::string>{"guides.md", "todo.md/today.md"}));

  // A file that meets both a repository file and a doc written here (folders that differ
  // only in case are one folder) is a conflict, naming the doc here: the repository alone
  // cannot settle it.
  repos_->Pull();
  repos_->Write("docs/X.md/y.md", "in the repository's folder\n");
  repos_->CommitAndPush("a folder");
  ASSERT_EQ(Import().imported, std::vector<std::string>{"X.md/y.md"});
  Put("x.md/z.md", "written here, in the same folder where case folds\n");
  repos_->Write("docs/x.md", "a file named like that folder\n");
  repos_->CommitAndPush("a file named like the folder");
  r = Import();
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].file_name, "notes.md/x.md") << "still beside the repository's Notes.md";
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "x.md");
  EXPECT_NE(r.conflicts[0].reason.find("('x.md/z.md')"), std::string::npos) << r.conflicts[0].reason;
}

// The same, for docs written while the import reads the repository: the write checks
// again on the docs as they are then.
TEST_F(GitSyncTest, ADocWrittenDuringTheImportThatAFolderWouldClashWithIsKept) {
  repos_->Write("docs/a.md/x.md", "X\n");
  repos_->Write("docs/b.md", "B\n");
  repos_->CommitAndPush("docs");
  counting_->during_blob_read = [this] { Put("a.md", "written here meanwhile\n"); };
  ImportReport r = Import();
  EXPECT_EQ(r.imported, std::vector<std::string>{"b.md"});
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].file_name, "a.md/x.md");
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "a.md/x.md").has_value());
  EXPECT_EQ(Get("a.md").content, "written here meanwhile\n");
}

TEST_F(GitSyncTest, ADocEditedWhileTheRepositoryTurnsItIntoAFolderKeepsItsName) {
  ImportFirst({{"a.md", "A\n"}});
  repos_->Remove("docs/a.md");
  repos_->Write("docs/a.md/x.md", "X\n");
  repos_->CommitAndPush("a folder now");
  counting_->during_blob_read = [this] { Put("a.md", "A, edited here meanwhile\n"); };
  ImportReport r = Import();
  EXPECT_TRUE(r.deleted.empty());
  EXPECT_TRUE(r.imported.empty());
  ASSERT_EQ(r.conflicts.size(), 2u);
  EXPECT_EQ(r.conflicts[0].file_name, "a.md/x.md") << r.conflicts[0].reason;
  EXPECT_EQ(r.conflicts[1].file_name, "a.md") << r.conflicts[1].reason;
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "a.md/x.md").has_value());
  EXPECT_EQ(Get("a.md").content, "A, edited here meanwhile\n");
}

// The repository turned a file into a folder of the same name: the doc synced from the
// file goes, and the folder's docs come, in one import. Its events say so in that order,
// so a subscriber that mirrors the docs into files never meets a file where the folder
// goes; the other way round too.
TEST_F(GitSyncTest, AFileTurnedIntoAFolderInTheRepositoryIsImportedAsOne) {
  ImportFirst({{"a.md", "A\n"}});
  repos_->Remove("docs/a.md");
  repos_->Write("docs/a.md/x.md", "X\n");
  repos_->CommitAndPush("a folder now");
  sink_.Clear();
  ImportReport r = Import();
  EXPECT_TRUE(r.conflicts.empty()) << r.conflicts[0].reason;
  EXPECT_EQ(r.deleted, std::vector<std::string>{"a.md"});
  EXPECT_EQ(r.imported, std::vector<std::string>{"a.md/x.md"});
  EXPECT_EQ(Get("a.md/x.md").content, "X\n");
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"doc:deleted", "doc:updated", "sync:completed"}));

  repos_->Remove("docs/a.md/x.md");
  repos_->Write("docs/a.md", "A again\n");
  repos_->CommitAndPush("a file again");
  sink_.Clear();
  r = Import();
  EXPECT_TRUE(r.conflicts.empty()) << r.conflicts[0].reason;
  EXPECT_EQ(r.deleted, std::vector<std::string>{"a.md/x.md"});
  EXPECT_EQ(r.imported, std::vector<std::string>{"a.md"});
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"doc:deleted", "doc:updated", "sync:completed"}));
}

// A project moved to a new, empty repository: its first export there is one new commit of
// the docs alone. The cache still held the old repository's branch (its tracking ref),
// which passed for the new one's head: the export built on it and pushed the old
// repository's whole history, files outside the docs included, or, with no doc edited,
// pushed nothing and recorded the old repository's commit as synced.
TEST_F(GitSyncTest, TheFirstExportToANewEmptyRepositoryHoldsTheDocsAlone) {
  repos_->Write("src/secret.txt", "not for the new repository\n");
  ImportFirst({{"x.md", "X\n"}, {"y.md", "Y\n"}});
  for (const bool edited : {true, false}) {
    SCOPED_TRACE(edited ? "a doc edited" : "no doc edited");
    GitRepos moved(dir_.path() + (edited ? "/moved-edited" : "/moved"));
    ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.repo_url = moved.bare()}).has_value());
    if (edited) Put("x.md", "X, edited\n");
    const ExportReport r = Export();
    const std::string history = Shell("git -C " + moved.bare() + " rev-list main");
    EXPECT_EQ(history, r.commit + "\n") << "one commit, whose parent is none";
    EXPECT_EQ(Shell("git -C " + moved.bare() + " ls-tree -r --name-only main"), "docs/x.md\ndocs/y.md\n");
    EXPECT_EQ(moved.Show("main:docs/x.md"), "X, edited\n");  // edited in the first round
    EXPECT_EQ(sync_.projects().Get(admin_, project_)->last_synced_commit, r.commit);
  }
}

// A push moves the branch only from the head it was given: a remote that moved since keeps
// its commit, even when ours would fast-forward it. (libgit2's local transport checks the
// head it listed, then moved the branch without looking again: a push by someone else in
// between was overwritten.) Nothing of the push is left in the remote but the branch.
TEST_F(GitSyncTest, APushMovesTheBranchOnlyFromTheHeadItWasGiven) {
  const auto remote_head = [&] { return Shell("git -C " + repos_->bare() + " rev-parse main").substr(0, 40); };
  const auto remote_refs = [&] { return Shell("git -C " + repos_->bare() + " for-each-ref --format='%(refname)'"); };
  repos_->Write("docs/a.md", "A\n");
  repos_->CommitAndPush("one");
  const std::string first = remote_head();
  repos_->Write("docs/a.md", "A2\n");
  repos_->CommitAndPush("two");
  const std::string second = remote_head();
  const GitTarget target{"push-cas", repos_->bare(), "main", ""};
  auto fetched = git2_->Fetch(target);
  ASSERT_TRUE(fetched.has_value()) << fetched.error().ToString();
  ASSERT_EQ(*fetched, second);
  auto commit = git2_->Commit(target, second, {{"docs/b.md", std::string("B\n")}}, "three", {});
  ASSERT_TRUE(commit.has_value()) << commit.error().ToString();

  const Status stale = git2_->Push(target, *commit, first);
  EXPECT_EQ(stale.code(), ErrorCode::kPreconditionFailed) << stale.ToString();
  EXPECT_EQ(remote_head(), second);
  EXPECT_EQ(remote_refs(), "refs/heads/main\n");
  EXPECT_FALSE(git2_->Push(target, *commit, "not-a-commit-id").ok());
  EXPECT_EQ(remote_head(), second);
  EXPECT_EQ(remote_refs(), "refs/heads/main\n") << "a push refused for any reason leaves no ref of its own";

  const Status pushed = git2_->Push(target, *commit, second);
  EXPECT_TRUE(pushed.ok()) << pushed.ToString();
  EXPECT_EQ(remote_head(), *commit);
  EXPECT_EQ(repos_->Show(*commit + ":docs/b.md"), "B\n");
  EXPECT_EQ(remote_refs(), "refs/heads/main\n");

  // A branch that does not exist yet is created only if nobody created it meanwhile.
  const GitTarget other{"push-cas", repos_->bare(), "other", ""};
  EXPECT_EQ(git2_->Push(other, *commit, "").code(), ErrorCode::kOk);
  EXPECT_EQ(git2_->Push(other, first, "").code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(Shell("git -C " + repos_->bare() + " rev-parse other").substr(0, 40), *commit);
}

// A doc where the repository has a folder of other files is the repository's to change:
// a clear refusal naming the folder, not an internal error.
TEST_F(GitSyncTest, ADocWhereTheRepositoryHasAFolderIsRefusedByName) {
  ImportFirst({{"a.md", "A\n"}, {"guides.md/logo.png", "\x89PNG"}});
  Put("guides.md", "a doc\n");
  auto refused = git_sync_->Export(admin_, project_, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPreconditionFailed) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("folder named docs/guides.md"), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(repos_->CommitCount(), 1);
}

// Two servers on one store: an import that read an older commit must not apply it after
// the other server applied a newer one (that would take every doc and lastSyncedCommit
// back). The import started first is refused as a whole, and nothing goes back.
TEST_F(GitSyncTest, AnImportOverTakenByAnotherServersNewerOneAppliesNothing) {
  repos_->Write("docs/a.md", "A1\n");
  repos_->CommitAndPush("one");
  Import();
  repos_->Write("docs/a.md", "A2\n");
  repos_->Write("docs/b.md", "B2\n");
  repos_->CommitAndPush("two");
  GitSyncService other_server(sync_.context(), *git2_, GitSyncOptions{.allow_local_remotes = true});
  std::string newest;
  counting_->during_blob_read = [&] {  // this server has fetched "two" and is planning
    repos_->Write("docs/a.md", "A3\n");
    repos_->Remove("docs/b.md");
    repos_->Write("docs/c.md", "C3\n");
    repos_->CommitAndPush("three");
    auto applied = other_server.Import(admin_, project_, {});
    ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
    newest = applied->commit;
  };
  auto late = git_sync_->Import(admin_, project_, {});
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code(), ErrorCode::kUnavailable) << late.error().ToString();
  EXPECT_EQ(sync_.projects().Get(admin_, project_)->last_synced_commit, newest);
  // Not a failure of the project's sync: the other server's import is what it records.
  EXPECT_EQ(sync_.projects().Get(admin_, project_)->last_import.result, "ok");
  EXPECT_EQ(Announced("sync:failed"), 0);
  EXPECT_EQ(Get("a.md").content, "A3\n");
  EXPECT_EQ(Get("c.md").content, "C3\n");
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "b.md").has_value()) << "deleted by the newest commit";
  EXPECT_TRUE(Import().updated.empty()) << "run again, it finds the newest commit applied";
}

// The git settings changed while a sync ran: it read the old place, so it must not mark
// the new one synced with the old one's commit (the next import would then read every doc
// missing in the new place as deleted there). Both directions record nothing.
TEST_F(GitSyncTest, ASettingsChangeDuringASyncLeavesTheNewPlaceUnsynced) {
  ImportFirst({{"a.md", "A\n"}});
  repos_->Write("docs/c.md", "C\n");
  repos_->Write("guides/b.md", "B\n");
  repos_->CommitAndPush("two");
  EXPECT_EQ(ImportWhileTheDocsPathMovesTo("guides").code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "c.md").has_value()) << "nothing of the old place applied";
  EXPECT_TRUE(sync_.projects().Get(admin_, project_)->last_synced_commit.empty());

  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = "docs"}).has_value());
  Import();
  Put("a.md", "A3\n");
  counting_->before_push = [&] {
    ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = "guides"}).has_value());
  };
  auto pushed = git_sync_->Export(admin_, project_, {});
  ASSERT_FALSE(pushed.has_value());
  EXPECT_EQ(pushed.error().code(), ErrorCode::kUnavailable) << pushed.error().ToString();
  EXPECT_TRUE(sync_.projects().Get(admin_, project_)->last_synced_commit.empty());
  ImportReport guides = Import();
  EXPECT_TRUE(guides.deleted.empty()) << "a.md is a new file of guides/, not deleted there";
  EXPECT_EQ(guides.imported, std::vector<std::string>{"b.md"});
  EXPECT_EQ(Get("a.md").content, "A3\n");
}

// The same on a project's first import, whose lastSyncedCommit is empty before and after
// the settings change: only the settings themselves tell.
TEST_F(GitSyncTest, ASettingsChangeDuringAFirstImportLeavesTheNewPlaceUnsynced) {
  repos_->Write("docs/a.md", "A\n");
  repos_->Write("guides/b.md", "B\n");
  repos_->CommitAndPush("docs");
  EXPECT_EQ(ImportWhileTheDocsPathMovesTo("guides").code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(sync_.projects().Get(admin_, project_)->last_synced_commit.empty());
  EXPECT_FALSE(sync_.docs().Get(admin_, project_, "a.md").has_value());
  EXPECT_EQ(Import().imported, std::vector<std::string>{"b.md"});
}

// After a settings change, a doc the new place holds with other text was never synced with
// it: a conflict to settle, not the new place's text over an unedited doc.
TEST_F(GitSyncTest, ADocTheNewPlaceHoldsWithOtherTextIsAConflict) {
  repos_->Write("guides/a.md", "A, the other folder's\n");
  ImportFirst({{"a.md", "A\n"}});
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = "guides"}).has_value());
  ImportReport r = Import();
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_NE(r.conflicts[0].reason.find("never synced"), std::string::npos) << r.conflicts[0].reason;
  EXPECT_EQ(Get("a.md").content, "A\n");
}

// Moving the docs to a folder the branch does not have yet: the export pushes them all
// there (an import alone refuses: that is likelier a mistyped docsPath).
TEST_F(GitSyncTest, AnExportMovesTheDocsToANewFolderOfTheBranch) {
  ImportFirst({{"a.md", "A\n"}, {"b.md", "B\n"}});
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.docs_path = "context"}).has_value());
  ExportReport r = Export();
  std::sort(r.pushed.begin(), r.pushed.end());
  EXPECT_EQ(r.pushed, (std::vector<std::string>{"a.md", "b.md"}));
  EXPECT_EQ(repos_->Show("main:context/b.md"), "B\n");
  EXPECT_EQ(repos_->Show("main:docs/b.md"), "B\n") << "the old folder is the repository's to remove";
  EXPECT_TRUE(Import().conflicts.empty());
}

// A doc stored under a name no doc may have now (written before the rule) is left alone by
// both directions, as its file is.
TEST_F(GitSyncTest, ADocNamedBeforeTheNameRulesIsLeftAlone) {
  ImportFirst({{"a.md", "A\n"}});
  Doc old = Get("a.md");
  old.id = "019a0000-0000-7000-8000-0000000000aa";
  old.file_name = "meeting 10:30.md";
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertDoc(old); }).ok());
  EXPECT_TRUE(Import().deleted.empty());
  Put("a.md", "A2\n");
  EXPECT_EQ(Export().pushed, std::vector<std::string>{"a.md"});
  EXPECT_EQ(FilesOnMain(*repos_), "docs/a.md\n");
  EXPECT_TRUE(sync_.docs().Get(admin_, project_, "meeting 10:30.md").has_value());
}

TEST_F(GitSyncTest, ReadKeysCannotSync) {
  auto key = sync_.keys().Create(admin_, project_, "laptop", KeyScope::kRead);
  const Caller reader = sync_.keys().Authenticate(key->plain_key).value();
  EXPECT_EQ(git_sync_->Import(reader, project_, {}).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(git_sync_->Export(reader, project_, {}).error().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace libsync::testing
