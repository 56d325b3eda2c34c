// Background imports (push webhooks, polls) that the project's lock refused, against real
// git repositories: the change is not lost but imported as soon as the lock is released or
// expires, including when it ends while the refused import is still finishing. And what
// the scheduler hears of a deletion the same way: the project's copy of its repository goes.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <thread>
#include <utility>

#include "git_service_fixture.hpp"
#include "libsync/git_sync_scheduler.hpp"

namespace libsync::testing {
namespace {

using std::chrono::minutes;

class GitLockWaitTest : public GitServiceTestOnManualClock {
 protected:
  void SetUp() override {
    GitServiceTest::SetUp();
    repos_->Write("docs/a.md", "A\n");
    repos_->CommitAndPush("docs");
    project_ = sync_.projects().Create(admin_, {.name = "web", .repo_url = repos_->bare()})->id;
    ASSERT_TRUE(git_sync_->Import(admin_, project_, {}).has_value());
    repos_->Write("docs/a.md", "A, pushed while locked\n");
    repos_->CommitAndPush("change");
  }

  void StartScheduler(GitSyncScheduler::Listener listener = nullptr) {
    scheduler_ = std::make_unique<GitSyncScheduler>(*git_sync_, GitSyncSchedulerOptions{.lock_ends = &lock_ends_},
                                                    std::move(listener));
  }
  /// Where the libgit2 remote keeps project `id`'s copy of its repository.
  std::string CopyOf(const std::string& id) const { return dir_.path() + "/cache/" + id + ".git"; }
  std::string Content() { return sync_.docs().Get(admin_, project_, "a.md")->content; }
  ProjectView Shown() { return *sync_.projects().Get(admin_, project_); }
  /// The payloads of the project's sync:failed events, oldest first.
  std::vector<std::string> SyncFailures() {
    std::vector<std::string> out;
    for (const Event& e : sink_.Events()) {
      if (e.type == event_type::kSyncFailed && e.project_id == project_) out.push_back(e.payload);
    }
    return out;
  }
  LockGrant Lock(minutes ttl = minutes(30)) {
    auto grant = sync_.locks().Acquire(admin_, project_, {.locked_by = "lead", .ttl = ttl});
    EXPECT_TRUE(grant.has_value()) << grant.error().ToString();
    return *grant;
  }
  /// A push announced while the lead holds the lock: refused, and left waiting.
  void RequestRefusedImport() {
    scheduler_->RequestImport(project_);
    scheduler_->WaitIdle();
    ASSERT_EQ(Content(), "A\n") << "the lock refuses the import";
    ASSERT_EQ(scheduler_->imports_run(), 1u);
    ASSERT_EQ(scheduler_->waiting_for_unlock(), 1u);
  }

  std::unique_ptr<GitSyncScheduler> scheduler_;
};

// A deleted project's copy of its repository (its git cache) does not stay on the server:
// the scheduler hears of the deletion and drops it on a thread of its own, after a wait
// for the lock that the deletion ended too.
TEST_F(GitLockWaitTest, ADeletedProjectsCopyOfItsRepositoryIsRemoved) {
  StartScheduler();
  const std::string cache = CopyOf(project_);
  ASSERT_TRUE(std::filesystem::is_directory(cache)) << "the first import made it";
  Lock();
  RequestRefusedImport();
  const std::string kept = sync_.projects().Create(admin_, {.name = "kept", .repo_url = repos_->bare()})->id;
  ASSERT_TRUE(git_sync_->Import(admin_, kept, {}).has_value());

  ASSERT_TRUE(sync_.projects().Delete(admin_, project_).ok());
  scheduler_->WaitIdle();
  EXPECT_FALSE(std::filesystem::exists(cache));
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 0u);
  EXPECT_TRUE(std::filesystem::is_directory(CopyOf(kept))) << "another project's copy stays";
  EXPECT_TRUE(git_sync_->Import(admin_, kept, {}).has_value());
}

// A sync that read the project before its deletion and reaches the repository after the
// copy was dropped gets an error: it does not make the copy again, for good.
TEST_F(GitLockWaitTest, ASyncRunningWhenItsProjectIsDeletedLeavesNoCopyBehind) {
  StartScheduler();
  const std::string cache = CopyOf(project_);
  ASSERT_TRUE(std::filesystem::is_directory(cache));
  bool deleted = false;
  counting_->during_fetch = [&] {
    if (std::exchange(deleted, true)) return;
    ASSERT_TRUE(sync_.projects().Delete(admin_, project_).ok());
    scheduler_->WaitIdle();
    ASSERT_FALSE(std::filesystem::exists(cache)) << "the scheduler dropped the copy";
  };
  auto r = git_sync_->Import(admin_, project_, {});
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(std::filesystem::exists(cache)) << "the running import made the copy again";
}

TEST_F(GitLockWaitTest, AnImportTheLockRefusedRunsWhenTheLockIsReleased) {
  StartScheduler();
  const LockGrant grant = Lock();
  RequestRefusedImport();

  ASSERT_TRUE(sync_.locks().Release(admin_, project_, grant.token).value());
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A, pushed while locked\n");
  EXPECT_EQ(scheduler_->imports_run(), 2u);
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 0u);
}

TEST_F(GitLockWaitTest, TheProjectSaysItsImportWaitsForTheLockNotThatItFailed) {
  StartScheduler();
  const LockGrant grant = Lock();
  RequestRefusedImport();
  ProjectView shown = Shown();
  EXPECT_EQ(shown.last_import.result, "waiting");
  EXPECT_EQ(shown.last_sync_error, "") << "a wait is nothing for the lead to act on";
  ASSERT_EQ(SyncFailures().size(), 1u);
  EXPECT_NE(SyncFailures()[0].find(R"("code":"Locked")"), std::string::npos) << SyncFailures()[0];
  EXPECT_NE(SyncFailures()[0].find(R"("waitsForLock":true)"), std::string::npos) << SyncFailures()[0];
  using S = GitSyncService;
  const S::SyncCounts counts = git_sync_->counts();
  const auto& import_counts = counts.syncs[static_cast<int>(S::SyncDirection::kImport)];
  EXPECT_EQ(import_counts[static_cast<int>(S::SyncResult::kWaiting)], 1u) << "counted in /metrics as waiting";
  EXPECT_EQ(import_counts[static_cast<int>(S::SyncResult::kFailed)], 0u);

  ASSERT_TRUE(sync_.locks().Release(admin_, project_, grant.token).value());
  scheduler_->WaitIdle();
  shown = Shown();
  EXPECT_EQ(shown.last_import.result, "ok");
  EXPECT_FALSE(shown.last_import.commit.empty());
  EXPECT_EQ(shown.last_sync_error, "");
}

TEST_F(GitLockWaitTest, AnImportNobodyRunsAgainIsAFailureWhenTheLockRefusesIt) {
  // Without a LockEndTap nothing runs the import when the lock ends: the refusal stands.
  scheduler_ = std::make_unique<GitSyncScheduler>(*git_sync_);
  Lock();
  scheduler_->RequestImport(project_);
  scheduler_->WaitIdle();
  const ProjectView shown = Shown();
  EXPECT_EQ(shown.last_import.result, "failed");
  EXPECT_NE(shown.last_sync_error.find("locked"), std::string::npos) << shown.last_sync_error;
  ASSERT_EQ(SyncFailures().size(), 1u);
  EXPECT_EQ(SyncFailures()[0].find("waitsForLock"), std::string::npos) << SyncFailures()[0];
  // A caller's own import (the sync route) is the caller's to retry: a failure too.
  ASSERT_FALSE(git_sync_->Import(admin_, project_, {}).has_value());
  EXPECT_EQ(Shown().last_import.result, "failed");
}

TEST_F(GitLockWaitTest, ANewSchedulerTakesUpTheWaitOfOneThatStopped) {
  // A server stopped while an import waited for the lock; the next one resumes it from
  // the project's recorded "waiting".
  StartScheduler();
  const LockGrant grant = Lock();
  RequestRefusedImport();
  scheduler_.reset();
  StartScheduler();
  EXPECT_EQ(scheduler_->ResumeWaiting(sync_.context()).value(), 1u);
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A\n") << "the lock still holds";
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 1u);

  ASSERT_TRUE(sync_.locks().Release(admin_, project_, grant.token).value());
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A, pushed while locked\n");
  EXPECT_EQ(Shown().last_import.result, "ok");
  EXPECT_EQ(scheduler_->ResumeWaiting(sync_.context()).value(), 0u) << "nothing waits any more";
}

TEST_F(GitLockWaitTest, AWaitKeepsTheLastErrorAndACallersRefusedImportKeepsTheWait) {
  StartScheduler();
  const LockGrant grant = Lock();
  // An import asked for without the lock's token: the caller's failure, recorded.
  ASSERT_FALSE(git_sync_->Import(admin_, project_, {}).has_value());
  const ProjectView failed = Shown();
  ASSERT_EQ(failed.last_import.result, "failed");
  ASSERT_FALSE(failed.last_sync_error.empty());
  clock_.Advance(minutes(1));
  RequestRefusedImport();
  EXPECT_EQ(Shown().last_import.result, "waiting");
  EXPECT_EQ(Shown().last_sync_error, failed.last_sync_error);
  EXPECT_EQ(Shown().last_sync_error_at, failed.last_sync_error_at) << "the wait wrote no error";

  // Refused again for the same lock, a caller's import leaves the wait recorded, so a
  // server starting now would still take it up.
  clock_.Advance(minutes(1));
  ASSERT_FALSE(git_sync_->Import(admin_, project_, {}).has_value());
  EXPECT_EQ(Shown().last_import.result, "waiting");
  ASSERT_TRUE(sync_.locks().Release(admin_, project_, grant.token).value());
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A, pushed while locked\n");
  EXPECT_EQ(Shown().last_import.result, "ok");
}

TEST_F(GitLockWaitTest, AWaitTheNextServerCannotBeginEndsAsAFailure) {
  StartScheduler();
  Lock();
  RequestRefusedImport();
  scheduler_.reset();
  // The next server refuses local remotes (no --git-allow-local): the resumed import
  // cannot begin, and says so instead of waiting for ever.
  GitSyncService strict(sync_.context(), *counting_, GitSyncOptions{});
  GitSyncScheduler next(strict, {.lock_ends = &lock_ends_});
  EXPECT_EQ(next.ResumeWaiting(sync_.context()).value(), 1u);
  next.WaitIdle();
  const ProjectView shown = Shown();
  EXPECT_EQ(shown.last_import.result, "failed");
  EXPECT_FALSE(shown.last_sync_error.empty());
  EXPECT_EQ(next.waiting_for_unlock(), 0u);
  EXPECT_EQ(next.ResumeWaiting(sync_.context()).value(), 0u) << "nothing is left to resume";
}

TEST_F(GitLockWaitTest, AnImportTheLockRefusedRunsWhenTheLockExpires) {
  StartScheduler();
  Lock(minutes(5));
  RequestRefusedImport();

  clock_.Advance(minutes(4));
  ASSERT_EQ(sync_.locks().ReapExpired().value(), 0u);
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A\n") << "the lock still holds";

  clock_.Advance(minutes(2));
  ASSERT_EQ(sync_.locks().ReapExpired().value(), 1u);
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A, pushed while locked\n");
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 0u);
}

TEST_F(GitLockWaitTest, ALockReleasedAsTheRefusedImportEndsMakesItRunAgain) {
  // The lead releases the lock after the import found it and before the scheduler notes
  // the refusal: the release must not be missed.
  std::optional<std::string> token;
  StartScheduler([&](std::string_view, const Result<ImportReport>& result) {
    if (!result && result.error().code() == ErrorCode::kLocked && token) {
      ASSERT_TRUE(sync_.locks().Release(admin_, project_, *token).value());
      token.reset();
    }
  });
  token = Lock().token;
  scheduler_->RequestImport(project_);
  scheduler_->WaitIdle();
  EXPECT_FALSE(token.has_value()) << "the lock refused the first import";
  EXPECT_EQ(Content(), "A, pushed while locked\n");
  EXPECT_EQ(scheduler_->imports_run(), 2u);
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 0u);
}

TEST_F(GitLockWaitTest, ALockTakenAgainBeforeTheImportRunsKeepsItWaiting) {
  // One thread, held by another project's import until the lock has changed hands: the
  // woken import then meets the new lock.
  scheduler_ = std::make_unique<GitSyncScheduler>(*git_sync_,
                                                  GitSyncSchedulerOptions{.threads = 1, .lock_ends = &lock_ends_});
  const LockGrant first = Lock();
  RequestRefusedImport();
  const std::string other = sync_.projects().Create(admin_, {.name = "other", .repo_url = repos_->bare()})->id;
  std::promise<void> go;
  std::shared_future<void> gone = go.get_future().share();
  std::atomic<bool> held{false};
  counting_->during_fetch = [gone, &held] {
    if (!held.exchange(true)) gone.wait();
  };
  scheduler_->RequestImport(other);
  while (!held) std::this_thread::yield();

  // Released and taken again (an editor's next session) while the import waits for a thread.
  ASSERT_TRUE(sync_.locks().Release(admin_, project_, first.token).value());
  const LockGrant second = Lock();
  go.set_value();
  scheduler_->WaitIdle();
  EXPECT_EQ(scheduler_->imports_run(), 3u);
  EXPECT_EQ(Content(), "A\n");
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 1u) << "refused again, it waits for the new lock";

  ASSERT_TRUE(sync_.locks().Release(admin_, project_, second.token).value());
  scheduler_->WaitIdle();
  EXPECT_EQ(Content(), "A, pushed while locked\n");
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 0u);
}

TEST_F(GitLockWaitTest, OtherLocksEndingAndOtherEventsRunNothing) {
  StartScheduler();
  const std::string other = sync_.projects().Create(admin_, {.name = "other", .repo_url = repos_->bare()})->id;
  auto other_grant = sync_.locks().Acquire(admin_, other, {.locked_by = "lead"});
  ASSERT_TRUE(other_grant.has_value());
  const LockGrant grant = Lock();
  RequestRefusedImport();

  ASSERT_TRUE(sync_.locks().Release(admin_, other, other_grant->token).value());
  ASSERT_TRUE(sync_.docs().Put(admin_, other, "b.md", "B\n").has_value());
  scheduler_->WaitIdle();
  EXPECT_EQ(scheduler_->imports_run(), 1u) << "another project's lock ended";
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 1u);

  // A project whose imports succeed runs nothing more when its lock ends.
  ASSERT_TRUE(sync_.locks().Release(admin_, project_, grant.token).value());
  scheduler_->WaitIdle();
  ASSERT_EQ(scheduler_->imports_run(), 2u);
  const LockGrant again = Lock();
  ASSERT_TRUE(sync_.locks().Release(admin_, project_, again.token).value());
  scheduler_->WaitIdle();
  EXPECT_EQ(scheduler_->imports_run(), 2u);
}

TEST_F(GitLockWaitTest, ADeletedProjectNoLongerWaits) {
  StartScheduler();
  Lock();
  RequestRefusedImport();
  ASSERT_TRUE(sync_.projects().Delete(admin_, project_).ok());
  EXPECT_EQ(scheduler_->waiting_for_unlock(), 0u);
}

TEST_F(GitLockWaitTest, AStoppedSchedulerHearsNoMore) {
  StartScheduler();
  const LockGrant grant = Lock();
  RequestRefusedImport();
  scheduler_.reset();
  // The tap has no scheduler to tell: the release goes to the subscribers alone.
  ASSERT_TRUE(sync_.locks().Release(admin_, project_, grant.token).value());
  EXPECT_EQ(Content(), "A\n");
  const std::vector<std::string> types = sink_.Types();
  EXPECT_EQ(std::count(types.begin(), types.end(), event_type::kLockReleased), 1);
}

}  // namespace
}  // namespace libsync::testing
