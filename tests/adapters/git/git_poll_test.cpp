// Polling against real git repositories: a moved head is imported within the interval, an
// unmoved one costs a ref listing and no fetch, and of several pollers on one store exactly
// one polls each project, another taking over when it stops.

#include "libsync/git_poller.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "../sql/temp_dir.hpp"
#include "git_service_fixture.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {
namespace {

using std::chrono::seconds;

class GitPollTest : public GitServiceTestOnManualClock {
 protected:
  void SetUp() override {
    GitServiceTest::SetUp();
    repos_->Write("docs/a.md", "A\n");
    repos_->CommitAndPush("docs");
    scheduler_ = std::make_unique<GitSyncScheduler>(*git_sync_);
    project_ = sync_.projects()
                   .Create(admin_, {.name = "web", .repo_url = repos_->bare(), .sync_interval_seconds = 30})
                   ->id;
    ASSERT_TRUE(git_sync_->Import(admin_, project_, {}).has_value());
    counting_->transfers = 0;
  }

  std::unique_ptr<GitPoller> Poller(const std::string& holder) {
    return std::make_unique<GitPoller>(sync_.context(), *git_sync_, *scheduler_, GitPollerOptions{.holder = holder});
  }
  PollPass Pass(GitPoller& poller) {
    auto pass = poller.PollDue();
    EXPECT_TRUE(pass.has_value()) << pass.error().ToString();
    scheduler_->WaitIdle();
    return pass.has_value() ? *pass : PollPass{};
  }
  std::string Content() { return sync_.docs().Get(admin_, project_, "a.md")->content; }

  std::unique_ptr<GitSyncScheduler> scheduler_;
};

TEST_F(GitPollTest, AMovedHeadIsImportedWithinTheIntervalAndAnUnmovedOneIsNotFetched) {
  auto poller = Poller("server-a");
  PollPass first = Pass(*poller);
  EXPECT_EQ(first.checked, 1);
  EXPECT_EQ(first.imports_requested, 0) << "nothing moved since the import";
  EXPECT_EQ(counting_->ref_listings.load(), 1);
  EXPECT_EQ(counting_->transfers.load(), 0) << "an unmoved head costs no fetch";
  auto next = sync_.projects().Get(admin_, project_)->next_poll_at;
  ASSERT_TRUE(next.has_value());
  EXPECT_GE(*next, clock_.Now() + seconds(27));
  EXPECT_LE(*next, clock_.Now() + seconds(33));

  repos_->Write("docs/a.md", "A, pushed\n");
  repos_->CommitAndPush("change");
  clock_.Advance(seconds(10));
  EXPECT_EQ(Pass(*poller).checked, 0) << "not due yet";
  clock_.Advance(seconds(24));  // 34 s: past the interval with any jitter
  PollPass moved = Pass(*poller);
  EXPECT_EQ(moved.checked, 1);
  EXPECT_EQ(moved.imports_requested, 1);
  EXPECT_EQ(Content(), "A, pushed\n");
  EXPECT_EQ(counting_->transfers.load(), 1) << "one fetch, by the import";

  clock_.Advance(seconds(34));
  PollPass still = Pass(*poller);
  EXPECT_EQ(still.checked, 1);
  EXPECT_EQ(still.imports_requested, 0);
  EXPECT_EQ(counting_->transfers.load(), 1);
  EXPECT_EQ(counting_->ref_listings.load(), 3);

  // Polling turned off: no next check is shown, and none is made.
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.sync_interval_seconds = 0}).has_value());
  EXPECT_EQ(sync_.projects().Get(admin_, project_)->next_poll_at, std::nullopt);
  clock_.Advance(seconds(34));
  EXPECT_EQ(Pass(*poller).checked, 0);
  EXPECT_EQ(counting_->ref_listings.load(), 3);
}

TEST_F(GitPollTest, OfTwoServersOnOneStoreOnePollsAndTheOtherTakesOverWhenItStops) {
  auto a = Poller("server-a");
  auto b = Poller("server-b");
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(Pass(*a).checked, 1) << round;
    EXPECT_EQ(Pass(*b).checked, 0) << "a holds the lease; round " << round;
    clock_.Advance(seconds(34));
  }
  // a stops polling (its server died): b takes over once a's lease has lapsed, within
  // twice the interval and a minute of a's last poll.
  int rounds = 0;
  while (Pass(*b).checked == 0) {
    ASSERT_LT(++rounds, 10) << "b never took over";
    clock_.Advance(seconds(34));
  }
  EXPECT_LE(rounds, 4);
  clock_.Advance(seconds(34));
  EXPECT_EQ(Pass(*a).checked, 0) << "a, back, finds b holding the lease";
  EXPECT_EQ(Pass(*b).checked, 1);
}

TEST_F(GitPollTest, PollingIsOffByDefaultAndTheIntervalHasAFloor) {
  auto other = sync_.projects().Create(admin_, {.name = "quiet", .repo_url = repos_->bare()});
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->sync_interval_seconds, 0);
  EXPECT_EQ(sync_.projects().Update(admin_, other->id, {.sync_interval_seconds = 10}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.projects().Update(admin_, other->id, {.sync_interval_seconds = -1}).error().code(),
            ErrorCode::kInvalidArgument);
  auto poller = Poller("server-a");
  EXPECT_EQ(Pass(*poller).checked, 1) << "only the project that polls";
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.sync_interval_seconds = 0}).has_value());
  clock_.Advance(seconds(60));
  EXPECT_EQ(Pass(*poller).checked, 0);
}

}  // namespace
}  // namespace libsync::testing
