#include "libsync/lock_service.hpp"

#include "libsync/hashing.hpp"
#include "service_fixture.hpp"

namespace libsync {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class LockServiceTest : public ServiceTest {
 protected:
  LockGrant Acquire(const std::string& who, std::optional<Duration> ttl = std::nullopt,
                    std::optional<std::string> token = std::nullopt) {
    auto g = sync_.locks().Acquire(admin_, project_.id,
                                   {.locked_by = who, .reason = "editing", .ttl = ttl, .token = token});
    EXPECT_TRUE(g.has_value()) << g.error();
    return g.has_value() ? g.value() : LockGrant{};
  }
  std::optional<Lock> Current() { return sync_.locks().Get(admin_, project_.id).value(); }
};

TEST_F(LockServiceTest, AcquireGrantsATokenAFenceAndTheDefaultTtl) {
  LockGrant g = Acquire("alice");
  EXPECT_FALSE(g.renewed);
  EXPECT_EQ(g.token.rfind("lt_", 0), 0u);
  EXPECT_EQ(g.lock.fence, 1);
  EXPECT_EQ(g.lock.locked_by, "alice");
  EXPECT_EQ(g.lock.locked_at, clock_.Now());
  EXPECT_EQ(g.lock.expires_at, clock_.Now() + minutes(30));
  EXPECT_EQ(g.lock.token_hash, Sha256Hex(g.token)) << "only the token's hash is kept";
  auto current = Current();
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->locked_by, "alice");
  EXPECT_EQ(sink_.Types(), std::vector<std::string>{"lock:acquired"});
  EXPECT_EQ(sink_.Events()[0].payload.find(g.token), std::string::npos) << "token leaked into an event";
}

TEST_F(LockServiceTest, SecondAcquirerGetsLockHeldWithHolderInfo) {
  LockGrant g = Acquire("alice");
  auto second = sync_.locks().Acquire(admin_, project_.id, {.locked_by = "bob"});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), ErrorCode::kLockHeld);
  EXPECT_EQ(second.error().detail("lockedBy"), "alice");
  EXPECT_EQ(second.error().detail("lockedAt"), FormatTimestamp(g.lock.locked_at));
  EXPECT_EQ(second.error().detail("expiresAt"), FormatTimestamp(g.lock.expires_at));
  EXPECT_EQ(Current()->locked_by, "alice");
  // A wrong token does not help either.
  auto wrong = sync_.locks().Acquire(admin_, project_.id, {.locked_by = "bob", .token = "lt_guess"});
  EXPECT_EQ(wrong.error().code(), ErrorCode::kLockHeld);
}

TEST_F(LockServiceTest, HolderRenewsByAcquiringWithItsToken) {
  LockGrant g = Acquire("alice", minutes(10));
  clock_.Advance(minutes(5));
  LockGrant again = Acquire("alice", minutes(10), g.token);
  EXPECT_TRUE(again.renewed);
  EXPECT_EQ(again.token, g.token);
  EXPECT_EQ(again.lock.fence, g.lock.fence) << "a renewal is the same grant";
  EXPECT_EQ(again.lock.expires_at, clock_.Now() + minutes(10));
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"lock:acquired", "lock:extended"}));
}

TEST_F(LockServiceTest, ARenewalIsStoredNotOnlyAnswered) {
  LockGrant g = Acquire("alice", minutes(10));
  clock_.Advance(minutes(5));
  LockGrant again = Acquire("alice", minutes(10), g.token);
  ASSERT_TRUE(again.renewed);
  EXPECT_EQ(Current()->expires_at, clock_.Now() + minutes(10)) << "the stored row keeps the old expiry";
  clock_.Advance(minutes(6));  // past the first grant's expiry, within the renewal's
  auto current = Current();
  ASSERT_TRUE(current.has_value()) << "the renewed lock expired at the first grant's time";
  EXPECT_EQ(current->fence, g.lock.fence);
  auto bob = sync_.locks().Acquire(admin_, project_.id, {.locked_by = "bob"});
  EXPECT_EQ(bob.error().code(), ErrorCode::kLockHeld);
}

TEST_F(LockServiceTest, ExtendNeedsTheToken) {
  LockGrant g = Acquire("alice", minutes(10));
  clock_.Advance(minutes(8));
  EXPECT_EQ(sync_.locks().Extend(admin_, project_.id, "lt_wrong", minutes(10)).error().code(),
            ErrorCode::kLockHeld);
  EXPECT_EQ(sync_.locks().Extend(admin_, project_.id, "", minutes(10)).error().code(), ErrorCode::kLockHeld);
  auto extended = sync_.locks().Extend(admin_, project_.id, g.token, minutes(10));
  ASSERT_TRUE(extended.has_value());
  EXPECT_EQ(extended->expires_at, clock_.Now() + minutes(10));
  EXPECT_EQ(Current()->expires_at, clock_.Now() + minutes(10));
}

TEST_F(LockServiceTest, ExtendWithoutALiveLockIsNotFound) {
  LockGrant g = Acquire("alice", minutes(1));
  clock_.Advance(minutes(2));
  EXPECT_EQ(sync_.locks().Extend(admin_, project_.id, g.token, minutes(1)).error().code(), ErrorCode::kNotFound);
}

TEST_F(LockServiceTest, ReleaseNeedsTheToken) {
  LockGrant g = Acquire("alice");
  auto wrong = sync_.locks().Release(admin_, project_.id, "lt_wrong");
  EXPECT_EQ(wrong.error().code(), ErrorCode::kLockHeld);
  EXPECT_TRUE(Current().has_value());
  EXPECT_TRUE(sync_.locks().Release(admin_, project_.id, g.token).value());
  EXPECT_FALSE(Current().has_value());
  EXPECT_FALSE(sync_.locks().Release(admin_, project_.id, g.token).value()) << "nothing left to release";
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"lock:acquired", "lock:released"}));
}

TEST_F(LockServiceTest, AdminForceReleaseNeedsAReasonAndLeavesAnEvent) {
  Acquire("alice");
  EXPECT_EQ(sync_.locks().ForceRelease(admin_, project_.id, "").error().code(), ErrorCode::kInvalidArgument);
  Caller writer = KeyCaller(project_.id, KeyScope::kWrite);
  EXPECT_EQ(sync_.locks().ForceRelease(writer, project_.id, "mine now").error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Current().has_value());
  EXPECT_TRUE(sync_.locks().ForceRelease(admin_, project_.id, "alice is on holiday").value());
  EXPECT_FALSE(Current().has_value());
  const Event last = sink_.Events().back();
  EXPECT_EQ(last.type, "lock:released");
  EXPECT_NE(last.payload.find("\"forced\":true"), std::string::npos);
  EXPECT_NE(last.payload.find("\"by\":\"lead\""), std::string::npos);
  EXPECT_NE(last.payload.find("\"reason\":\"alice is on holiday\""), std::string::npos);
  auto page = sync_.events().Since(admin_, project_.id, 0);
  EXPECT_EQ(page->events.back().payload, last.payload) << "the override is in the durable log";
}

TEST_F(LockServiceTest, ExpiryIsDrivenByTheClock) {
  Acquire("alice", minutes(10));
  clock_.Advance(minutes(10) - std::chrono::milliseconds(1));
  EXPECT_TRUE(Current().has_value());
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE(Current().has_value()) << "a lock at its expiresAt is gone";
  EXPECT_EQ(sync_.hooks().LockState(admin_, project_.id).value(), std::nullopt);
  LockGrant bob = Acquire("bob");
  EXPECT_EQ(bob.lock.locked_by, "bob");
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"lock:acquired", "lock:expired", "lock:acquired"}));
}

TEST_F(LockServiceTest, ReaperExpiresEachLockOnce) {
  ProjectView other = CreateProject("other");
  Acquire("alice", minutes(1));
  ASSERT_TRUE(sync_.locks().Acquire(admin_, other.id, {.locked_by = "bob", .ttl = minutes(5)}).has_value());
  sink_.Clear();
  clock_.Advance(minutes(2));
  EXPECT_EQ(sync_.locks().ReapExpired().value(), 1u);
  EXPECT_EQ(sync_.locks().ReapExpired().value(), 0u);
  EXPECT_EQ(sink_.Types(), std::vector<std::string>{"lock:expired"});
  EXPECT_EQ(sink_.Events()[0].project_id, project_.id);
  EXPECT_TRUE(sync_.locks().Get(admin_, other.id).value().has_value());
}

// The reaper lists expired locks in one transaction and removes each in another; a new
// grant in between must survive.
TEST_F(LockServiceTest, ReaperSparesALockGrantedAfterItListedTheExpiredOne) {
  Acquire("alice", minutes(1));
  clock_.Advance(minutes(2));
  LockGrant bob;
  interleaving_.AfterNext(TxMode::kRead, [&] { bob = Acquire("bob", minutes(10)); });
  EXPECT_EQ(sync_.locks().ReapExpired().value(), 0u) << "bob's acquire had already expired alice's lock";
  EXPECT_FALSE(interleaving_.Pending());
  auto current = Current();
  ASSERT_TRUE(current.has_value()) << "the reaper removed a live lock";
  EXPECT_EQ(current->locked_by, "bob");
  EXPECT_EQ(sync_.locks().Verify(admin_, project_.id, bob.token).value(), LockOwnership::kOurs);
  EXPECT_EQ(sink_.Types(), (std::vector<std::string>{"lock:acquired", "lock:expired", "lock:acquired"}));
}

TEST_F(LockServiceTest, FencesStrictlyIncreaseAcrossReleaseExpiryAndRegrant) {
  std::vector<std::int64_t> fences;
  LockGrant g = Acquire("a", minutes(1));
  fences.push_back(g.lock.fence);
  ASSERT_TRUE(sync_.locks().Release(admin_, project_.id, g.token).value());
  g = Acquire("b", minutes(1));
  fences.push_back(g.lock.fence);
  clock_.Advance(minutes(2));  // expires
  g = Acquire("c", minutes(1));
  fences.push_back(g.lock.fence);
  clock_.Advance(minutes(2));
  ASSERT_EQ(sync_.locks().ReapExpired().value(), 1u);
  g = Acquire("d", minutes(1));
  fences.push_back(g.lock.fence);
  ASSERT_TRUE(sync_.locks().ForceRelease(admin_, project_.id, "ops").value());
  g = Acquire("e", minutes(1));
  fences.push_back(g.lock.fence);
  EXPECT_EQ(fences, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(LockServiceTest, TtlMustBeInRange) {
  for (Duration ttl : {Duration(0), Duration(-1000), Duration(std::chrono::hours(25))}) {
    auto g = sync_.locks().Acquire(admin_, project_.id, {.locked_by = "alice", .ttl = ttl});
    EXPECT_EQ(g.error().code(), ErrorCode::kInvalidArgument) << ttl.count();
  }
  EXPECT_FALSE(Current().has_value());
  EXPECT_EQ(sync_.locks().Acquire(admin_, project_.id, {.locked_by = ""}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(sync_.locks().Acquire(admin_, project_.id, {.locked_by = "alice", .ttl = seconds(1)}).has_value());
}

TEST_F(LockServiceTest, TtlsAtTheBoundsAreAccepted) {
  const ServiceOptions& options = sync_.context().options;
  LockGrant longest = Acquire("alice", options.max_lock_ttl);
  EXPECT_EQ(longest.lock.expires_at, clock_.Now() + options.max_lock_ttl);
  auto extended = sync_.locks().Extend(admin_, project_.id, longest.token, options.max_lock_ttl);
  ASSERT_TRUE(extended.has_value()) << extended.error();
  auto renewed = sync_.locks().Acquire(admin_, project_.id,
                                       {.locked_by = "alice", .ttl = options.max_lock_ttl, .token = longest.token});
  ASSERT_TRUE(renewed.has_value()) << renewed.error();
  ASSERT_TRUE(sync_.locks().Release(admin_, project_.id, longest.token).value());
  LockGrant shortest = Acquire("bob", options.min_lock_ttl);
  EXPECT_EQ(shortest.lock.expires_at, clock_.Now() + options.min_lock_ttl);
  // One millisecond past either bound is refused.
  for (Duration ttl : {options.max_lock_ttl + std::chrono::milliseconds(1),
                       options.min_lock_ttl - std::chrono::milliseconds(1)}) {
    EXPECT_EQ(sync_.locks().Extend(admin_, project_.id, shortest.token, ttl).error().code(),
              ErrorCode::kInvalidArgument)
        << ttl.count();
  }
}

TEST(LockServiceOptionsTest, AMaximumBelowTheDefaultIsTheTtlOfALockAskedWithoutOne) {
  auto store = MakeMemoryStore();
  ManualClock clock;
  RecordingEventSink sink;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k1")}).value();
  SyncService sync(*store, clock, SystemRandom(), *box, sink, {.max_lock_ttl = minutes(1)});
  const Caller admin = Caller::Admin("lead");
  const std::string project = sync.projects().Create(admin, {.name = "p", .repo_url = "r"})->id;
  auto g = sync.locks().Acquire(admin, project, {.locked_by = "alice"});
  ASSERT_TRUE(g.has_value()) << g.error();
  EXPECT_EQ(g->lock.expires_at, clock.Now() + minutes(1));
  clock.Advance(seconds(30));
  auto extended = sync.locks().Extend(admin, project, g->token, std::nullopt);
  ASSERT_TRUE(extended.has_value()) << extended.error();
  EXPECT_EQ(extended->expires_at, clock.Now() + minutes(1));
  // A TTL asked for is still held to the maximum.
  EXPECT_EQ(sync.locks().Extend(admin, project, g->token, minutes(2)).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LockServiceTest, VerifyTellsOursTheirsAndNone) {
  EXPECT_EQ(sync_.locks().Verify(admin_, project_.id, "lt_x").value(), LockOwnership::kNone);
  LockGrant g = Acquire("alice");
  EXPECT_EQ(sync_.locks().Verify(admin_, project_.id, g.token).value(), LockOwnership::kOurs);
  EXPECT_EQ(sync_.locks().Verify(admin_, project_.id, "lt_x").value(), LockOwnership::kTheirs);
}

TEST_F(LockServiceTest, ReadKeysSeeTheLockButCannotTakeIt) {
  Caller reader = KeyCaller(project_.id, KeyScope::kRead);
  EXPECT_EQ(sync_.locks().Acquire(reader, project_.id, {.locked_by = "r"}).error().code(),
            ErrorCode::kPermissionDenied);
  Acquire("alice");
  EXPECT_EQ(sync_.locks().Get(reader, project_.id).value()->locked_by, "alice");
  Caller writer = KeyCaller(project_.id, KeyScope::kWrite, "w");
  EXPECT_EQ(sync_.locks().Acquire(writer, project_.id, {.locked_by = "w"}).error().code(), ErrorCode::kLockHeld);
}

// The lock token is shown to the acquirer only: no event, published or in the durable
// log, may carry it, whichever lock transition produced the event.
TEST_F(LockServiceTest, NoLockEventCarriesTheToken) {
  std::vector<std::string> tokens;
  LockGrant g = Acquire("alice", minutes(10));
  tokens.push_back(g.token);
  Acquire("alice", minutes(10), g.token);                                          // renewal
  ASSERT_TRUE(sync_.locks().Extend(admin_, project_.id, g.token, minutes(20)).has_value());
  ASSERT_TRUE(sync_.locks().Release(admin_, project_.id, g.token).value());        // released
  tokens.push_back(Acquire("bob", minutes(1)).token);
  clock_.Advance(minutes(2));
  ASSERT_EQ(sync_.locks().ReapExpired().value(), 1u);                               // expired by the reaper
  tokens.push_back(Acquire("carol", minutes(1)).token);
  clock_.Advance(minutes(2));
  tokens.push_back(Acquire("dave", minutes(10)).token);                            // expired by an acquirer
  ASSERT_TRUE(sync_.locks().ForceRelease(admin_, project_.id, "ops").value());    // forced

  const std::vector<std::string> expected = {"lock:acquired", "lock:extended", "lock:extended", "lock:released",
                                             "lock:acquired", "lock:expired",  "lock:acquired", "lock:expired",
                                             "lock:acquired", "lock:released"};
  ASSERT_EQ(sink_.Types(), expected);
  const auto durable = sync_.events().Since(admin_, project_.id, 0).value().events;
  ASSERT_EQ(durable.size(), expected.size());
  for (const std::string& token : tokens) {
    for (const Event& e : sink_.Events()) {
      EXPECT_EQ(e.payload.find(token), std::string::npos) << e.type << " published the token: " << e.payload;
    }
    for (const Event& e : durable) {
      EXPECT_EQ(e.payload.find(token), std::string::npos) << e.type << " logged the token: " << e.payload;
    }
  }
}

// --- document writes under a lock -------------------------------------------------

TEST_F(LockServiceTest, WritesWithoutTheTokenAreRefusedWhileLocked) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", "one").has_value());
  LockGrant g = Acquire("alice");
  auto refused = sync_.docs().Put(admin_, project_.id, "a.md", "two");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kLocked);
  EXPECT_EQ(refused.error().detail("lockedBy"), "alice");
  EXPECT_EQ(sync_.docs().Delete(admin_, project_.id, "a.md").code(), ErrorCode::kLocked);
  EXPECT_EQ(sync_.docs().Revert(admin_, project_.id, "a.md", 1).error().code(), ErrorCode::kLocked);
  EXPECT_EQ(sync_.docs().Get(admin_, project_.id, "a.md")->content, "one");
  auto allowed = sync_.docs().Put(admin_, project_.id, "a.md", "two", {.lock_token = g.token});
  ASSERT_TRUE(allowed.has_value()) << allowed.error();
  EXPECT_EQ(allowed->doc.version, 2);
}

TEST_F(LockServiceTest, WritesWithASupersededTokenAreRefused) {
  LockGrant old_grant = Acquire("alice", minutes(1));
  clock_.Advance(minutes(2));
  LockGrant new_grant = Acquire("bob", minutes(10));
  auto r = sync_.docs().Put(admin_, project_.id, "a.md", "x", {.lock_token = old_grant.token});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kLocked);
  EXPECT_EQ(r.error().detail("lockedBy"), "bob");
  EXPECT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", "x", {.lock_token = new_grant.token}).has_value());
}

TEST_F(LockServiceTest, WritesWithAnExpiredOrReleasedTokenAreRefused) {
  LockGrant g = Acquire("alice", minutes(1));
  clock_.Advance(minutes(2));
  auto expired = sync_.docs().Put(admin_, project_.id, "a.md", "x", {.lock_token = g.token});
  EXPECT_EQ(expired.error().code(), ErrorCode::kLocked);
  LockGrant h = Acquire("alice", minutes(1));
  ASSERT_TRUE(sync_.locks().Release(admin_, project_.id, h.token).value());
  auto released = sync_.docs().Put(admin_, project_.id, "a.md", "x", {.lock_token = h.token});
  EXPECT_EQ(released.error().code(), ErrorCode::kLocked);
  EXPECT_EQ(sync_.docs().Get(admin_, project_.id, "a.md").error().code(), ErrorCode::kNotFound);
  // With no lock and no token, writes are free.
  EXPECT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", "x").has_value());
}

TEST_F(LockServiceTest, LocksOfOneProjectDoNotBlockAnother) {
  ProjectView other = CreateProject("other");
  Acquire("alice");
  EXPECT_TRUE(sync_.docs().Put(admin_, other.id, "a.md", "x").has_value());
}

}  // namespace
}  // namespace libsync
