// Every use case, interrupted at each of its store calls in turn, leaves the store and
// the event sink exactly as they were (Beast's fail_count loop over a FaultyStore).

#include <gtest/gtest.h>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"
#include "libsync/testing/faulty_store.hpp"

namespace libsync {
namespace {

/// Everything observable about a project, as text, to compare before and after.
std::string Snapshot(SyncService& sync, const std::string& project_id) {
  const Caller admin = Caller::Admin();
  std::string out;
  for (const auto& d : sync.docs().List(admin, project_id).value()) {
    out += d.file_name + "@" + std::to_string(d.version) + "=" + d.content + ";";
    for (const auto& v : sync.docs().History(admin, project_id, d.file_name).value()) {
      out += "v" + std::to_string(v.version) + ",";
    }
  }
  auto lock = sync.locks().Get(admin, project_id).value();
  out += lock ? "lock:" + lock->locked_by + "#" + std::to_string(lock->fence) : "unlocked";
  out += " head:" + std::to_string(sync.events().Since(admin, project_id, 0)->head_seq);
  for (const auto& k : sync.keys().List(admin, project_id).value()) {
    out += " key:" + k.name + (k.is_active ? "+" : "-");
  }
  return out;
}

class AtomicityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_id_ = direct_.projects().Create(admin_, {.name = "web", .repo_url = "x"})->id;
    ASSERT_TRUE(direct_.docs().Put(admin_, project_id_, "a.md", "one").has_value());
    ASSERT_TRUE(direct_.docs().Put(admin_, project_id_, "a.md", "two").has_value());
  }

  /// Runs `op` through the faulty store failing call 0, 1, 2, ... until it succeeds;
  /// every failed run must leave no trace. Returns how many failure points there were.
  template <class Op>
  int ExpectAllOrNothing(Op op) {
    for (int n = 0; n < 100; ++n) {
      const std::string before = Snapshot(direct_, project_id_);
      sink_.Clear();
      faulty_.FailAt(n);
      const bool ok = op();
      if (!faulty_.failed()) {
        EXPECT_TRUE(ok) << "failed without an injected fault at " << n;
        return n;
      }
      EXPECT_FALSE(ok) << "an injected failure at call " << n << " was swallowed";
      faulty_.FailAt(-1);
      EXPECT_EQ(Snapshot(direct_, project_id_), before) << "partial effects after failure at call " << n;
      EXPECT_TRUE(sink_.Events().empty()) << "events published for a rolled-back change at " << n;
    }
    ADD_FAILURE() << "operation never succeeded";
    return -1;
  }

  /// Runs `op` with its commit failing: all its work done, then rolled back. Nothing may
  /// be left, and above all nothing published: events go out only after a commit.
  template <class Op>
  void ExpectNothingPublishedWhenTheCommitFails(Op op) {
    const std::string before = Snapshot(direct_, project_id_);
    sink_.Clear();
    faulty_.FailNextCommit();
    EXPECT_FALSE(op()) << "a failed commit was reported as success";
    EXPECT_TRUE(faulty_.failed()) << "the operation never committed";
    EXPECT_TRUE(sink_.Events().empty()) << "published before commit: " << sink_.Types().front();
    EXPECT_EQ(Snapshot(direct_, project_id_), before) << "a failed commit left changes behind";
  }

  std::unique_ptr<Store> memory_ = MakeMemoryStore();
  testing::FaultyStore faulty_{*memory_};
  ManualClock clock_;
  RecordingEventSink sink_;
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService direct_{*memory_, clock_, SystemRandom(), *box_, NullEventSink()};
  SyncService sync_{faulty_, clock_, SystemRandom(), *box_, sink_};
  Caller admin_ = Caller::Admin();
  std::string project_id_;
};

TEST_F(AtomicityTest, DocUpdateIsAllOrNothing) {
  EXPECT_GT(ExpectAllOrNothing([&] { return sync_.docs().Put(admin_, project_id_, "a.md", "three").has_value(); }), 3);
}

TEST_F(AtomicityTest, DocCreateIsAllOrNothing) {
  EXPECT_GT(ExpectAllOrNothing([&] { return sync_.docs().Put(admin_, project_id_, "b.md", "new").has_value(); }), 3);
}

TEST_F(AtomicityTest, RevertIsAllOrNothing) {
  EXPECT_GT(ExpectAllOrNothing([&] { return sync_.docs().Revert(admin_, project_id_, "a.md", 1).has_value(); }), 3);
}

TEST_F(AtomicityTest, DeleteIsAllOrNothing) {
  EXPECT_GT(ExpectAllOrNothing([&] { return sync_.docs().Delete(admin_, project_id_, "a.md").ok(); }), 2);
}

TEST_F(AtomicityTest, LockAcquireAndReleaseAreAllOrNothing) {
  std::string token;
  EXPECT_GT(ExpectAllOrNothing([&] {
    auto g = sync_.locks().Acquire(admin_, project_id_, {.locked_by = "alice"});
    if (g) token = g->token;
    return g.has_value();
  }), 3);
  EXPECT_GT(ExpectAllOrNothing([&] { return sync_.locks().Release(admin_, project_id_, token).has_value(); }), 2);
}

TEST_F(AtomicityTest, AcquireOverAnExpiredLockIsAllOrNothing) {
  ASSERT_TRUE(direct_.locks().Acquire(admin_, project_id_, {.locked_by = "old", .ttl = std::chrono::seconds(1)}).has_value());
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_GT(ExpectAllOrNothing([&] {
    return sync_.locks().Acquire(admin_, project_id_, {.locked_by = "new"}).has_value();
  }), 4);
}

TEST_F(AtomicityTest, KeyCreationAndRevocationAreAllOrNothing) {
  std::string key_id;
  ExpectAllOrNothing([&] {
    auto k = sync_.keys().Create(admin_, project_id_, "laptop");
    if (k) key_id = k->key.id;
    return k.has_value();
  });
  ExpectAllOrNothing([&] { return sync_.keys().Revoke(admin_, key_id).ok(); });
}

// Each writing use case, with its commit failing after all its work (and all its event
// appends) succeeded.
TEST_F(AtomicityTest, AFailedCommitPublishesNothing) {
  ExpectNothingPublishedWhenTheCommitFails(
      [&] { return sync_.docs().Put(admin_, project_id_, "a.md", "three").has_value(); });
  ExpectNothingPublishedWhenTheCommitFails(
      [&] { return sync_.docs().Put(admin_, project_id_, "b.md", "new").has_value(); });
  ExpectNothingPublishedWhenTheCommitFails([&] { return sync_.docs().Revert(admin_, project_id_, "a.md", 1).has_value(); });
  ExpectNothingPublishedWhenTheCommitFails([&] { return sync_.docs().Delete(admin_, project_id_, "a.md").ok(); });
  ExpectNothingPublishedWhenTheCommitFails(
      [&] { return sync_.locks().Acquire(admin_, project_id_, {.locked_by = "alice"}).has_value(); });
  // Two events in one transaction: an expired lock replaced by a new grant.
  auto old = direct_.locks().Acquire(admin_, project_id_, {.locked_by = "old", .ttl = std::chrono::seconds(1)});
  ASSERT_TRUE(old.has_value());
  ExpectNothingPublishedWhenTheCommitFails([&] {
    return sync_.locks().Extend(admin_, project_id_, old->token, std::chrono::seconds(30)).has_value();
  });
  ExpectNothingPublishedWhenTheCommitFails([&] { return sync_.locks().Release(admin_, project_id_, old->token).has_value(); });
  clock_.Advance(std::chrono::seconds(2));
  ExpectNothingPublishedWhenTheCommitFails(
      [&] { return sync_.locks().Acquire(admin_, project_id_, {.locked_by = "new"}).has_value(); });
  ExpectNothingPublishedWhenTheCommitFails([&] { return sync_.locks().ReapExpired().has_value(); });
  // Without the failure, the same use case publishes.
  ASSERT_TRUE(sync_.locks().Acquire(admin_, project_id_, {.locked_by = "new"}).has_value());
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"lock:expired", "lock:acquired"}));
}
}  // namespace
}  // namespace libsync
