// Many threads hammering one project's lock never see two holders at once, and every
// grant's fence is new.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sync_service.hpp"

namespace libsync {
namespace {

TEST(LockStress, EightThreadsNeverShareTheLockAndFencesNeverRepeat) {
  constexpr int kThreads = 8;
  constexpr int kAttempts = 10000;
  auto store = MakeMemoryStore({.event_retention = 1000});
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync(*store, SystemClock(), SystemRandom(), *box, NullEventSink());
  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "p", .repo_url = "x"})->id;

  std::atomic<int> holders{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> unexpected{0};
  std::vector<std::vector<std::int64_t>> fences(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string me = "worker-" + std::to_string(t);
      for (int i = 0; i < kAttempts; ++i) {
        auto grant = sync.locks().Acquire(admin, project, {.locked_by = me});
        if (!grant) {
          if (grant.error().code() != ErrorCode::kLockHeld) ++unexpected;
          continue;
        }
        if (holders.fetch_add(1) != 0) ++overlaps;
        fences[t].push_back(grant->lock.fence);
        holders.fetch_sub(1);
        auto released = sync.locks().Release(admin, project, grant->token);
        if (!released || !released.value()) ++unexpected;
      }
    });
  }
  for (auto& th : threads) th.join();

  EXPECT_EQ(overlaps.load(), 0) << "two threads held the lock at once";
  EXPECT_EQ(unexpected.load(), 0);
  std::vector<std::int64_t> all;
  for (const auto& f : fences) {
    EXPECT_TRUE(std::is_sorted(f.begin(), f.end())) << "a thread saw fences go backwards";
    all.insert(all.end(), f.begin(), f.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a fence was reused";
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back(), static_cast<std::int64_t>(all.size())) << "every grant consumed exactly one fence";
}

}  // namespace
}  // namespace libsync
