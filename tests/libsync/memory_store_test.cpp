#include "libsync/memory/memory_store.hpp"

#include "libsync/testing/store_contract.hpp"

namespace libsync::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreContract,
                         ::testing::Values(StoreFactory{"memory", [] { return MakeMemoryStore(); }}),
                         StoreFactoryName);

TEST(MemoryStore, ReadTransactionsCannotWrite) {
  auto store = MakeMemoryStore();
  Status s = store->Transact(TxMode::kRead, [](Transaction& tx) {
    Project p;
    p.id = "x";
    return tx.InsertProject(p);
  });
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
}

TEST(MemoryStore, AThrowingTransactionIsUndone) {
  auto store = MakeMemoryStore();
  EXPECT_THROW(store->Transact(TxMode::kWrite,
                               [](Transaction& tx) -> Status {
                                 Project p;
                                 p.id = "x";
                                 (void)tx.InsertProject(p);
                                 throw std::runtime_error("boom");
                               }),
               std::runtime_error);
  Status s = store->Transact(TxMode::kRead, [](Transaction& tx) { return tx.GetProject("x").status(); });
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
}

// A memory store holding project "p" with `events` events appended in one transaction.
std::unique_ptr<Store> StoreWithEvents(std::size_t retention, int events) {
  auto store = MakeMemoryStore({.event_retention = retention});
  EXPECT_TRUE(store->Transact(TxMode::kWrite, [&](Transaction& tx) {
    Project p;
    p.id = "p";
    LIBSYNC_RETURN_IF_ERROR(tx.InsertProject(p));
    for (int i = 0; i < events; ++i) LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent("p", "t", "x", Timestamp{}).status());
    return Status::Ok();
  }).ok());
  return store;
}

EventPage ReadPage(Store& store, std::int64_t after_seq, std::size_t limit) {
  EventPage page;
  EXPECT_TRUE(store.Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(page, tx.ReadEvents("p", after_seq, limit));
    return Status::Ok();
  }).ok());
  return page;
}

TEST(MemoryStore, KeepsOnlyTheConfiguredNumberOfEvents) {
  auto store = StoreWithEvents(3, 10);
  const EventPage page = ReadPage(*store, 0, 100);
  EXPECT_EQ(page.head_seq, 10);
  EXPECT_EQ(page.oldest_seq, 8);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events[0].seq, 8);
}

// With a larger retention the log drops whole runs of events (1/64 of the retention):
// it never holds fewer than the retention, nor more than one run beyond it, and the
// seqs it holds are contiguous and readable from any point.
TEST(MemoryStore, DropsOldEventsInRunsAndKeepsAtLeastTheRetention) {
  constexpr std::size_t kRetention = 640;  // runs of 10
  auto store = StoreWithEvents(kRetention, 0);
  for (int i = 1; i <= 2000; ++i) {
    ASSERT_TRUE(store->Transact(TxMode::kWrite, [&](Transaction& tx) {
      return tx.AppendEvent("p", "t", "{\"i\":" + std::to_string(i) + "}", Timestamp(std::chrono::milliseconds(i))).status();
    }).ok());
    const EventPage page = ReadPage(*store, 0, 0);
    const auto kept = static_cast<std::size_t>(page.head_seq - page.oldest_seq + 1);
    ASSERT_EQ(page.head_seq, i);
    ASSERT_GE(kept, std::min<std::size_t>(i, kRetention));
    ASSERT_LT(kept, kRetention + 10);
  }
  const EventPage page = ReadPage(*store, 1500, 7);
  ASSERT_EQ(page.events.size(), 7u);
  for (std::size_t k = 0; k < page.events.size(); ++k) {
    const Event& e = page.events[k];
    EXPECT_EQ(e.seq, 1501 + static_cast<std::int64_t>(k));
    EXPECT_EQ(e.project_id, "p");
    EXPECT_EQ(e.type, "t");
    EXPECT_EQ(e.payload, "{\"i\":" + std::to_string(e.seq) + "}");
    EXPECT_EQ(e.created_at, Timestamp(std::chrono::milliseconds(e.seq)));
  }
}

// A transaction whose append dropped a run of old events, and then failed, puts them
// all back: the log reads exactly as before.
TEST(MemoryStore, ARolledBackAppendRestoresTheEventsItDropped) {
  auto store = StoreWithEvents(128, 129);  // runs of 2
  const EventPage before = ReadPage(*store, 0, 1000);
  Status s = store->Transact(TxMode::kWrite, [](Transaction& tx) {
    for (int i = 0; i < 5; ++i) LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent("p", "u", "yy", Timestamp{}).status());
    return Status::PreconditionFailed("changed my mind");
  });
  ASSERT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  const EventPage after = ReadPage(*store, 0, 1000);
  EXPECT_EQ(after.head_seq, before.head_seq);
  EXPECT_EQ(after.oldest_seq, before.oldest_seq);
  ASSERT_EQ(after.events.size(), before.events.size());
  for (std::size_t i = 0; i < after.events.size(); ++i) {
    EXPECT_EQ(after.events[i].seq, before.events[i].seq);
    EXPECT_EQ(after.events[i].payload, "x");
  }
  // And the log carries on from where it was.
  std::int64_t seq = 0;
  ASSERT_TRUE(store->Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(seq, tx.AppendEvent("p", "t", "z", Timestamp{}));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(seq, before.head_seq + 1);
}

}  // namespace
}  // namespace libsync::testing
