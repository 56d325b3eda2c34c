// Two servers on one PostgreSQL database, each with its own store connections, git cache,
// scheduler and poller: exactly one of them polls a project, however their passes
// interleave, and the other takes over once the first stops.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../sql/postgres_cluster.hpp"
#include "../sql/temp_dir.hpp"
#include "git_fixture.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_poller.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {
namespace {

using std::chrono::seconds;

/// One aitk-server's worth of parts over a shared database and a shared clock.
struct ServerParts {
  ServerParts(const std::string& url, const std::string& name, const std::string& cache, ManualClock& clock,
              SecretBox& box)
      : store(sql::OpenSqlStore({.url = url}).value()),
        sync(*store, clock, SystemRandom(), box, sink),
        git2(git::MakeGit2Remote({.cache_dir = cache}).value()),
        counting(*git2),
        git_sync(sync.context(), counting, {.allow_local_remotes = true}),
        scheduler(git_sync),
        poller(sync.context(), git_sync, scheduler, {.holder = name}) {}

  std::unique_ptr<Store> store;
  RecordingEventSink sink;
  SyncService sync;
  std::unique_ptr<GitRemote> git2;
  CountingGitRemote counting;
  GitSyncService git_sync;
  GitSyncScheduler scheduler;
  GitPoller poller;
};

TEST(GitPollSharedDatabase, OfTwoServersOnOnePostgresqlExactlyOnePolls) {
  PostgresCluster* cluster = PostgresCluster::Get();
  if (!cluster) {
    if (PostgresRequired()) FAIL() << "PostgreSQL is required in CI: " << PostgresCluster::Unavailable();
    GTEST_SKIP() << PostgresCluster::Unavailable();
  }
  TempDir dir;
  GitRepos repos(dir.path());
  repos.Write("docs/a.md", "A\n");
  repos.CommitAndPush("docs");
  const std::string url = cluster->NewDatabase();
  ManualClock clock;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  ServerParts a(url, "server-a", dir.path() + "/cache-a", clock, *box);
  ServerParts b(url, "server-b", dir.path() + "/cache-b", clock, *box);
  const Caller admin = Caller::Admin("lead");
  auto project = a.sync.projects().Create(admin, {.name = "web", .repo_url = repos.bare(), .sync_interval_seconds = 30});
  ASSERT_TRUE(project.has_value()) << project.error().ToString();

  // Both servers pass at the same moment, from two threads, round after round.
  for (int round = 0; round < 4; ++round) {
    std::atomic<int> checked{0};
    std::thread ta([&] { checked += a.poller.PollDue()->checked; });
    std::thread tb([&] { checked += b.poller.PollDue()->checked; });
    ta.join();
    tb.join();
    EXPECT_EQ(checked.load(), 1) << "round " << round;
    a.scheduler.WaitIdle();
    b.scheduler.WaitIdle();
    clock.Advance(seconds(34));
  }
  const int by_a = a.counting.ref_listings.load();
  const int by_b = b.counting.ref_listings.load();
  EXPECT_EQ(by_a + by_b, 4);
  EXPECT_TRUE(by_a == 0 || by_b == 0) << "one server holds the lease throughout: a " << by_a << ", b " << by_b;
  EXPECT_EQ(a.sync.docs().Get(admin, project->id, "a.md")->content, "A\n") << "the first poll imported the branch";

  // The holder stops; the other takes over once its lease lapses.
  ServerParts& holder = by_a > 0 ? a : b;
  ServerParts& other = by_a > 0 ? b : a;
  int rounds = 0;
  while (other.poller.PollDue()->checked == 0) {
    ASSERT_LT(++rounds, 10) << "no takeover";
    clock.Advance(seconds(34));
  }
  other.scheduler.WaitIdle();
  clock.Advance(seconds(34));
  EXPECT_EQ(holder.poller.PollDue()->checked, 0) << "back again, it finds the lease taken";
}

}  // namespace
}  // namespace libsync::testing
