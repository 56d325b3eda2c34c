#pragma once
// What the git-sync service tests share: a temporary folder with a bare "remote" and a
// work clone of it, a real libgit2 remote (its cache in the same folder) behind a
// counting one, a memory store with the sync services (their events passing a LockEndTap
// on their way to a recording sink), and a GitSyncService that allows local remotes. Each
// suite writes its first commit and makes its own project.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../sql/temp_dir.hpp"
#include "git_fixture.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/lock_end_tap.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {

class GitServiceTest : public ::testing::Test {
 protected:
  /// `clock` must outlive the fixture (GitServiceTestOnManualClock, below, gives one).
  explicit GitServiceTest(Clock& clock = SystemClock()) : sync_{*store_, clock, SystemRandom(), *box_, lock_ends_} {}

  void SetUp() override {
    repos_ = std::make_unique<GitRepos>(dir_.path());
    auto remote = git::MakeGit2Remote({.cache_dir = dir_.path() + "/cache"});
    ASSERT_TRUE(remote.has_value()) << remote.error().ToString();
    git2_ = std::move(remote).value();
    counting_ = std::make_unique<CountingGitRemote>(*git2_);
    git_sync_ = std::make_unique<GitSyncService>(sync_.context(), *counting_, GitSyncOptions{.allow_local_remotes = true});
  }

  TempDir dir_;
  std::unique_ptr<GitRepos> repos_;
  std::unique_ptr<GitRemote> git2_;
  std::unique_ptr<CountingGitRemote> counting_;
  std::unique_ptr<Store> store_ = MakeMemoryStore();
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  RecordingEventSink sink_;
  LockEndTap lock_ends_{sink_};  ///< in front of sink_, as in aitk-server: a scheduler may attach
  SyncService sync_;
  std::unique_ptr<GitSyncService> git_sync_;
  Caller admin_ = Caller::Admin("lead");
  std::string project_;
};

/// The clock of GitServiceTestOnManualClock, a base listed before GitServiceTest so that
/// it is made before the services that read it.
struct ManualClockFirst {
  ManualClock clock_;
};

/// GitServiceTest whose services read a ManualClock (`clock_`), for suites that move time.
class GitServiceTestOnManualClock : protected ManualClockFirst, public GitServiceTest {
 protected:
  GitServiceTestOnManualClock() : GitServiceTest(clock_) {}
};

}  // namespace libsync::testing
