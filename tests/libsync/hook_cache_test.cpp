#include "libsync/hook_cache.hpp"

#include <gtest/gtest.h>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"
#include "libsync/testing/interleaving_store.hpp"

namespace libsync {
namespace {

using std::chrono::milliseconds;

// Two "servers" on one store: `here` answers hooks through the cache it builds, `there` is
// another process writing to the same database, whose events this process never sees.
// `here` reaches the store through `interleaving_`, so a write can land in the middle of a
// fill. No HTTP adapter: the services and the cache alone, as any embedder has them.
class HookCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = here_.projects().Create(admin_, {.name = "web", .repo_url = "x"})->id;
    auto created = here_.keys().Create(admin_, project_, "laptop").value();
    key_ = created.plain_key;
    key_id_ = created.key.id;
    ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "one").has_value());
  }
  Caller Laptop() { return cache_.Authenticate(key_).value(); }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  testing::InterleavingStore interleaving_{*store_};
  ManualClock clock_;
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  RecordingEventSink downstream_;
  SyncService here_{interleaving_, clock_, SystemRandom(), *box_, downstream_, {},
                    {.hook_cache = HookCacheOptions{.max_staleness = std::chrono::seconds(1)}}};
  HookCache& cache_ = *here_.hook_cache();
  SyncService there_{*store_, clock_, SystemRandom(), *box_, NullEventSink()};
  Caller admin_ = Caller::Admin();
  std::string project_, key_, key_id_;
};

TEST_F(HookCacheTest, OwnWritesAreSeenOnTheNextRequest) {
  const Caller laptop = Laptop();
  const std::string before = cache_.DocsHash(laptop, project_)->hash;
  ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "two").has_value());
  EXPECT_NE(cache_.DocsHash(laptop, project_)->hash, before);
  EXPECT_FALSE(cache_.LockState(laptop, project_).value().has_value());
  auto grant = here_.locks().Acquire(admin_, project_, {.locked_by = "alice"});
  ASSERT_TRUE(grant.has_value());
  auto locked = cache_.LockState(laptop, project_).value();
  ASSERT_TRUE(locked.has_value());
  EXPECT_EQ(locked->locked_by, "alice");
  ASSERT_TRUE(here_.locks().Release(admin_, project_, grant->token).value());
  EXPECT_FALSE(cache_.LockState(laptop, project_).value().has_value());
  EXPECT_FALSE(downstream_.Events().empty()) << "events still reach the real sink";
}

TEST_F(HookCacheTest, AnotherServersChangeIsSeenWithinTheStalenessBound) {
  const Caller laptop = Laptop();
  const std::string before = cache_.DocsHash(laptop, project_)->hash;
  EXPECT_FALSE(cache_.LockState(laptop, project_).value().has_value());
  ASSERT_TRUE(there_.docs().Put(admin_, project_, "a.md", "changed elsewhere").has_value());
  ASSERT_TRUE(there_.locks().Acquire(admin_, project_, {.locked_by = "bob"}).has_value());
  clock_.Advance(milliseconds(999));
  EXPECT_EQ(cache_.DocsHash(laptop, project_)->hash, before) << "answered from memory within the bound";
  EXPECT_FALSE(cache_.LockState(laptop, project_).value().has_value());
  clock_.Advance(milliseconds(1));
  EXPECT_NE(cache_.DocsHash(laptop, project_)->hash, before) << "older than the bound: read again";
  EXPECT_TRUE(cache_.LockState(laptop, project_).value().has_value());
}

// A fill reads the store, then stores its answer. A write through this process that
// commits in between invalidates the entry; the fill must then not keep what it read,
// or the stale answer would be served for the whole staleness bound.
TEST_F(HookCacheTest, AFillThatRacedWithAWriteIsNotKept) {
  const Caller laptop = Laptop();
  const std::string before = cache_.DocsHash(laptop, project_)->hash;
  ASSERT_FALSE(cache_.LockState(laptop, project_).value().has_value());
  clock_.Advance(milliseconds(1000));  // both entries aged out: the next reads load again

  interleaving_.AfterNext(TxMode::kRead, [&] { ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "raced").has_value()); });
  EXPECT_EQ(cache_.DocsHash(laptop, project_)->hash, before) << "the load itself read the docs before the write";
  ASSERT_FALSE(interleaving_.Pending());
  EXPECT_NE(cache_.DocsHash(laptop, project_)->hash, before) << "the raced fill was kept";

  interleaving_.AfterNext(TxMode::kRead, [&] {
    ASSERT_TRUE(here_.locks().Acquire(admin_, project_, {.locked_by = "alice"}).has_value());
  });
  EXPECT_FALSE(cache_.LockState(laptop, project_).value().has_value());
  ASSERT_FALSE(interleaving_.Pending());
  auto locked = cache_.LockState(laptop, project_).value();
  ASSERT_TRUE(locked.has_value()) << "the raced fill was kept";
  EXPECT_EQ(locked->locked_by, "alice");
}

// The same race on the very first fill of a project, before the cache has an entry for
// it: there is no entry generation to watch, so the fill watches every invalidation.
TEST_F(HookCacheTest, AFirstFillThatRacedWithAWriteIsNotKept) {
  const Caller laptop = Laptop();
  interleaving_.AfterNext(TxMode::kRead, [&] { ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "raced").has_value()); });
  const std::string first = cache_.DocsHash(laptop, project_)->hash;
  ASSERT_FALSE(interleaving_.Pending());
  EXPECT_NE(cache_.DocsHash(laptop, project_)->hash, first) << "the raced first fill was kept";
}

TEST_F(HookCacheTest, ACachedLockExpiresWithTheClock) {
  ASSERT_TRUE(here_.locks().Acquire(admin_, project_, {.locked_by = "alice", .ttl = std::chrono::seconds(5)})
                  .has_value());
  const Caller laptop = Laptop();
  EXPECT_TRUE(cache_.LockState(laptop, project_).value().has_value());
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(milliseconds(900));
    (void)cache_.LockState(laptop, project_);  // keeps refreshing while live
  }
  EXPECT_FALSE(cache_.LockState(laptop, project_).value().has_value());
}

TEST_F(HookCacheTest, KeysAreRememberedForTheBoundOnly) {
  EXPECT_TRUE(cache_.Authenticate(key_).has_value());
  ASSERT_TRUE(there_.keys().Revoke(admin_, key_id_).ok());
  clock_.Advance(milliseconds(500));
  EXPECT_TRUE(cache_.Authenticate(key_).has_value()) << "within the bound";
  clock_.Advance(milliseconds(600));
  auto refused = cache_.Authenticate(key_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(cache_.Authenticate("sk_unknown_key_0000000000").error().code(), ErrorCode::kUnauthenticated);
}

// Revocation and deletion publish events, and the cache drops what they make stale: no
// call to the cache is needed, whoever wrote through the services.
TEST_F(HookCacheTest, AKeyRevokedThroughTheServicesIsRefusedAtOnce) {
  const Caller laptop = Laptop();
  ASSERT_TRUE(cache_.PeekAuthenticate(key_).has_value()) << "remembered";
  ASSERT_TRUE(here_.keys().Revoke(admin_, key_id_).ok());
  EXPECT_FALSE(cache_.PeekAuthenticate(key_).has_value()) << "forgotten with the revocation";
  auto refused = cache_.Authenticate(key_);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(cache_.DocsHash(laptop, project_).has_value()) << "the project's answers stay";
}

TEST_F(HookCacheTest, AProjectDeletedThroughTheServicesIsGoneAtOnce) {
  const Caller laptop = Laptop();
  ASSERT_TRUE(cache_.DocsHash(laptop, project_).has_value());
  ASSERT_TRUE(cache_.LockState(laptop, project_).has_value());
  ASSERT_TRUE(here_.projects().Delete(admin_, project_).ok());
  EXPECT_FALSE(cache_.PeekDocsHash(admin_, project_).has_value());
  EXPECT_FALSE(cache_.PeekLockState(admin_, project_).has_value());
  EXPECT_EQ(cache_.DocsHash(admin_, project_).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cache_.LockState(admin_, project_).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cache_.Authenticate(key_).error().code(), ErrorCode::kUnauthenticated) << "its keys went with it";
}

// A revocation that commits while an Authenticate reads the key must not leave the key
// remembered as valid for the rest of the bound.
TEST_F(HookCacheTest, AKeyRevokedDuringItsReadIsNotRemembered) {
  interleaving_.AfterNext(TxMode::kRead, [&] { ASSERT_TRUE(here_.keys().Revoke(admin_, key_id_).ok()); });
  EXPECT_TRUE(cache_.Authenticate(key_).has_value()) << "the read itself came before the revocation";
  ASSERT_FALSE(interleaving_.Pending());
  EXPECT_EQ(cache_.Authenticate(key_).error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(HookCacheTest, SubscribersReceiveTheRevocationAndTheDeletion) {
  ASSERT_TRUE(here_.keys().Revoke(admin_, key_id_).ok());
  ASSERT_TRUE(here_.keys().Revoke(admin_, key_id_).ok());  // revoked already: no second event
  ASSERT_TRUE(here_.projects().Delete(admin_, project_).ok());
  std::vector<std::string> types;
  for (const Event& e : downstream_.Events()) {
    if (e.type == event_type::kKeyRevoked || e.type == event_type::kProjectDeleted) types.push_back(e.type);
  }
  ASSERT_EQ(types, (std::vector<std::string>{"key:revoked", "project:deleted"}));
  const std::vector<Event> events = downstream_.Events();
  const Event& revoked = events[events.size() - 2];
  EXPECT_EQ(revoked.project_id, project_);
  EXPECT_EQ(revoked.payload, R"({"keyId":")" + key_id_ + R"(","prefix":")" + key_.substr(0, 11) +
                                 R"(","revokedBy":"admin"})");
  const Event& deleted = events.back();
  EXPECT_EQ(deleted.project_id, project_);
  EXPECT_EQ(deleted.seq, revoked.seq + 1);
  EXPECT_EQ(deleted.payload, R"({"deletedBy":"admin"})");
}

TEST_F(HookCacheTest, AccessRulesStillApplyToCachedAnswers) {
  const std::string other = here_.projects().Create(admin_, {.name = "other", .repo_url = "y"})->id;
  EXPECT_TRUE(cache_.DocsHash(admin_, other).has_value());  // now cached
  const Caller laptop = Laptop();
  EXPECT_EQ(cache_.DocsHash(laptop, other).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cache_.LockState(laptop, other).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cache_.DocsHash(admin_, "no-such-project").error().code(), ErrorCode::kNotFound);
}

TEST_F(HookCacheTest, RepeatedPullsOfTheSameDocsWriteTheConsumerRecordOnce) {
  const Caller laptop = Laptop();
  ASSERT_TRUE(here_.hooks().Pull(laptop, project_).has_value());
  const auto first = here_.keys().List(admin_, project_)->front().last_pulled_at;
  ASSERT_TRUE(first.has_value());
  clock_.Advance(milliseconds(1000));
  ASSERT_TRUE(here_.hooks().Pull(laptop, project_).has_value());
  EXPECT_EQ(here_.keys().List(admin_, project_)->front().last_pulled_at, first) << "same hash: no write";
  ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "new").has_value());
  ASSERT_TRUE(here_.hooks().Pull(laptop, project_).has_value());
  EXPECT_NE(here_.keys().List(admin_, project_)->front().last_pulled_at, first) << "new hash: recorded";
}

// The doc GET's cache: a doc read once is answered from memory, the same way as the hook
// answers: own writes at once, another process's within the bound, races not kept.
TEST_F(HookCacheTest, ADocIsAnsweredFromMemoryUntilItsProjectChanges) {
  const Caller laptop = Laptop();
  EXPECT_FALSE(cache_.PeekDoc(laptop, project_, "a.md").has_value()) << "never read yet";
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").value().bytes, "one");
  auto peeked = cache_.PeekDoc(laptop, project_, "a.md");
  ASSERT_TRUE(peeked.has_value());
  EXPECT_EQ((*peeked).value().bytes, "one");

  ASSERT_TRUE(there_.docs().Put(admin_, project_, "a.md", "changed elsewhere").has_value());
  clock_.Advance(milliseconds(999));
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").value().bytes, "one") << "within the bound";
  clock_.Advance(milliseconds(1));
  EXPECT_FALSE(cache_.PeekDoc(laptop, project_, "a.md").has_value()) << "older than the bound";
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").value().bytes, "changed elsewhere");

  ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "mine").has_value());
  EXPECT_FALSE(cache_.PeekDoc(laptop, project_, "a.md").has_value()) << "dropped by the write's event";
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").value().bytes, "mine") << "read-your-writes";

  ASSERT_TRUE(here_.docs().Delete(admin_, project_, "a.md").ok());
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(cache_.PeekDoc(laptop, project_, "a.md").has_value()) << "a miss is not remembered";
}

TEST_F(HookCacheTest, ADocFillThatRacedWithAWriteIsNotKept) {
  const Caller laptop = Laptop();
  ASSERT_TRUE(cache_.DocsHash(laptop, project_).has_value());  // the project has an entry
  interleaving_.AfterNext(TxMode::kRead, [&] { ASSERT_TRUE(here_.docs().Put(admin_, project_, "a.md", "raced").has_value()); });
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").value().bytes, "one") << "read before the write";
  ASSERT_FALSE(interleaving_.Pending());
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "a.md").value().bytes, "raced") << "the raced fill was kept";

  const std::string fresh = here_.projects().Create(admin_, {.name = "fresh", .repo_url = "z"})->id;
  ASSERT_TRUE(here_.docs().Put(admin_, fresh, "b.md", "first").has_value());
  interleaving_.AfterNext(TxMode::kRead, [&] { ASSERT_TRUE(here_.docs().Put(admin_, fresh, "b.md", "second").has_value()); });
  EXPECT_EQ(cache_.GetDoc(admin_, fresh, "b.md").value().bytes, "first");
  ASSERT_FALSE(interleaving_.Pending());
  EXPECT_EQ(cache_.GetDoc(admin_, fresh, "b.md").value().bytes, "second") << "the raced first fill was kept";
}

TEST_F(HookCacheTest, CachedDocsKeepTheAccessRules) {
  const Caller laptop = Laptop();
  const std::string other = here_.projects().Create(admin_, {.name = "other", .repo_url = "y"})->id;
  ASSERT_TRUE(here_.docs().Put(admin_, other, "secret.md", "not for the laptop").has_value());
  ASSERT_TRUE(cache_.GetDoc(admin_, other, "secret.md").has_value());  // now cached
  EXPECT_EQ(cache_.GetDoc(laptop, other, "secret.md").error().code(), ErrorCode::kNotFound);
  auto peeked = cache_.PeekDoc(laptop, other, "secret.md");
  ASSERT_TRUE(peeked.has_value()) << "refused from memory, not sent to the store";
  EXPECT_EQ(peeked->error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cache_.GetDoc(laptop, project_, "../a.md").error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(HookCacheTest, AProjectDeletedTakesItsCachedDocs) {
  ASSERT_TRUE(cache_.GetDoc(admin_, project_, "a.md").has_value());
  ASSERT_TRUE(here_.projects().Delete(admin_, project_).ok());
  EXPECT_FALSE(cache_.PeekDoc(admin_, project_, "a.md").has_value());
  EXPECT_EQ(cache_.GetDoc(admin_, project_, "a.md").error().code(), ErrorCode::kNotFound);
}

// A fill that raced with a write, while a flood of other projects trimmed the cache and
// its project's entry was made again: the new entry must not look like the one the fill
// saw, or the text read before the write stays until the next event (forever on a
// SQLite file held alone).
TEST(HookCacheTrim, AFillWhoseEntryWasTrimmedAndMadeAgainIsNotKept) {
  std::unique_ptr<Store> store = MakeMemoryStore();
  testing::InterleavingStore interleaving{*store};
  ManualClock clock;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{interleaving, clock, SystemRandom(), *box, NullEventSink(), {},
                   {.hook_cache = HookCacheOptions{.max_staleness = Duration::max(), .max_entries = 2}}};
  HookCache& cache = *sync.hook_cache();
  const Caller admin = Caller::Admin();
  std::vector<std::string> ids;
  for (const char* name : {"p", "q", "r"}) ids.push_back(sync.projects().Create(admin, {.name = name, .repo_url = "x"})->id);
  ASSERT_TRUE(sync.docs().Put(admin, ids[0], "a.md", "before").has_value());
  interleaving.AfterNext(TxMode::kRead, [&] {
    ASSERT_TRUE(sync.docs().Put(admin, ids[0], "a.md", "after").has_value());
    ASSERT_TRUE(cache.DocsHash(admin, ids[1]).has_value());
    ASSERT_TRUE(cache.DocsHash(admin, ids[2]).has_value());  // the cache is full: all entries go
    ASSERT_TRUE(cache.DocsHash(admin, ids[0]).has_value());  // and p's is made again
  });
  EXPECT_EQ(cache.GetDoc(admin, ids[0], "a.md").value().bytes, "before") << "read before the write";
  ASSERT_FALSE(interleaving.Pending());
  EXPECT_EQ(cache.GetDoc(admin, ids[0], "a.md").value().bytes, "after") << "the raced fill was kept";
}

// The docs kept stay within max_doc_bytes: past it, the cache lets all go and refills.
TEST(HookCacheDocBudget, DocsPastTheByteBudgetAreLetGo) {
  std::unique_ptr<Store> store = MakeMemoryStore();
  ManualClock clock;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{*store, clock, SystemRandom(), *box, NullEventSink(), {},
                   {.hook_cache = HookCacheOptions{.max_doc_bytes = 3 * 1200}}};  // a 1,000-byte doc holds ~1,120
  HookCache& cache = *sync.hook_cache();
  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "p", .repo_url = "x"})->id;
  const std::string text(1000, 'x');
  for (const char* name : {"a.md", "b.md", "c.md", "d.md"}) ASSERT_TRUE(sync.docs().Put(admin, project, name, text).has_value());
  for (const char* name : {"a.md", "b.md", "c.md"}) ASSERT_TRUE(cache.GetDoc(admin, project, name).has_value());
  for (const char* name : {"a.md", "b.md", "c.md"}) EXPECT_TRUE(cache.PeekDoc(admin, project, name).has_value()) << name;
  ASSERT_TRUE(cache.GetDoc(admin, project, "d.md").has_value());
  EXPECT_TRUE(cache.PeekDoc(admin, project, "d.md").has_value()) << "the newest is kept";
  EXPECT_FALSE(cache.PeekDoc(admin, project, "a.md").has_value()) << "the others were let go";
  const std::string big(4 * 900, 'y');
  ASSERT_TRUE(sync.docs().Put(admin, project, "big.md", big).has_value());
  EXPECT_EQ(cache.GetDoc(admin, project, "big.md").value().bytes, big) << "answered, never kept";
  EXPECT_FALSE(cache.PeekDoc(admin, project, "big.md").has_value());
}

// Each kept doc holds at least its RenderedDoc object, its bytes and the map's node in
// memory: the budget counts that, so small docs cannot hold more memory than it says.
TEST(HookCacheDocBudget, SmallDocsAreCountedAtWhatTheyHoldInMemory) {
  std::unique_ptr<Store> store = MakeMemoryStore();
  ManualClock clock;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  constexpr std::size_t kBudget = 20000;
  SyncService sync{*store, clock, SystemRandom(), *box, NullEventSink(), {},
                   {.hook_cache = HookCacheOptions{.max_doc_bytes = kBudget}}};
  HookCache& cache = *sync.hook_cache();
  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "p", .repo_url = "x"})->id;
  const std::string text(100, 's');
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("d" + std::to_string(100 + i) + ".md");
  for (const auto& name : names) ASSERT_TRUE(sync.docs().Put(admin, project, name, text).has_value());
  for (const auto& name : names) ASSERT_TRUE(cache.GetDoc(admin, project, name).has_value());
  std::size_t kept = 0;
  for (const auto& name : names) kept += cache.PeekDoc(admin, project, name).has_value() ? 1 : 0;
  EXPECT_GT(kept, 0u);
  EXPECT_LE(kept * (sizeof(RenderedDoc) + text.size() + 96), kBudget) << kept << " docs of 100 bytes kept";
}

// What the cache keeps of a doc is what its renderer makes of it, once per fill: a hit
// formats nothing, and a write's event makes the next read render the new version.
int renders = 0;
std::string Bracketed(const Doc& d) {
  ++renders;
  return "<" + d.content + ">";
}

TEST(HookCacheDocRender, DocsAreKeptAsTheirRendererMadeThemOncePerFill) {
  std::unique_ptr<Store> store = MakeMemoryStore();
  ManualClock clock;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{*store, clock, SystemRandom(), *box, NullEventSink(), {},
                   {.hook_cache = HookCacheOptions{.max_staleness = Duration::max(), .render_doc = Bracketed}}};
  HookCache& cache = *sync.hook_cache();
  EXPECT_EQ(cache.doc_renderer(), &Bracketed);
  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "p", .repo_url = "x"})->id;
  ASSERT_TRUE(sync.docs().Put(admin, project, "a.md", "one").has_value());
  renders = 0;
  const RenderedDoc first = cache.GetDoc(admin, project, "a.md").value();
  EXPECT_EQ(first.bytes, "<one>");
  EXPECT_EQ(first.version, 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(cache.GetDoc(admin, project, "a.md").value().bytes, "<one>");
    EXPECT_EQ(cache.PeekDoc(admin, project, "a.md").value().value().bytes, "<one>");
  }
  EXPECT_EQ(renders, 1) << "rendered once per fill, never per read";
  ASSERT_TRUE(sync.docs().Put(admin, project, "a.md", "two").has_value());
  const RenderedDoc second = cache.GetDoc(admin, project, "a.md").value();
  EXPECT_EQ(second.bytes, "<two>");
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(renders, 2);
}

// The budget charges what is kept, the rendered bytes, not the doc's text: a renderer that
// makes each 100-byte doc a 1,000-byte answer fits three of them in ~3,600 bytes.
std::string TenTimes(const Doc& d) {
  std::string out;
  for (int i = 0; i < 10; ++i) out += d.content;
  return out;
}

TEST(HookCacheDocBudget, TheBudgetChargesTheRenderedBytes) {
  std::unique_ptr<Store> store = MakeMemoryStore();
  ManualClock clock;
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{*store, clock, SystemRandom(), *box, NullEventSink(), {},
                   {.hook_cache = HookCacheOptions{.max_doc_bytes = 3 * 1200, .render_doc = TenTimes}}};
  HookCache& cache = *sync.hook_cache();
  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "p", .repo_url = "x"})->id;
  const std::string text(100, 'x');
  for (const char* name : {"a.md", "b.md", "c.md", "d.md"}) ASSERT_TRUE(sync.docs().Put(admin, project, name, text).has_value());
  for (const char* name : {"a.md", "b.md", "c.md"}) ASSERT_EQ(cache.GetDoc(admin, project, name).value().bytes.size(), 1000u);
  for (const char* name : {"a.md", "b.md", "c.md"}) EXPECT_TRUE(cache.PeekDoc(admin, project, name).has_value()) << name;
  ASSERT_TRUE(cache.GetDoc(admin, project, "d.md").has_value());
  EXPECT_TRUE(cache.PeekDoc(admin, project, "d.md").has_value()) << "the newest is kept";
  EXPECT_FALSE(cache.PeekDoc(admin, project, "a.md").has_value()) << "the others were let go";
}

}  // namespace
}  // namespace libsync
