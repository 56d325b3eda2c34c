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

TEST(MemoryStore, KeepsOnlyTheConfiguredNumberOfEvents) {
  auto store = MakeMemoryStore({.event_retention = 3});
  ASSERT_TRUE(store->Transact(TxMode::kWrite, [](Transaction& tx) {
    Project p;
    p.id = "p";
    LIBSYNC_RETURN_IF_ERROR(tx.InsertProject(p));
    for (int i = 0; i < 10; ++i) LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent("p", "t", "{}", Timestamp{}).status());
    return Status::Ok();
  }).ok());
  EventPage page;
  ASSERT_TRUE(store->Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(page, tx.ReadEvents("p", 0, 100));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(page.head_seq, 10);
  EXPECT_EQ(page.oldest_seq, 8);
  ASSERT_EQ(page.events.size(), 3u);
  EXPECT_EQ(page.events[0].seq, 8);
}

}  // namespace
}  // namespace libsync::testing
