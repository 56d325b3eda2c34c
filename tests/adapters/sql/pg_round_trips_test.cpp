// The round trips each hot use case costs on PostgreSQL, counted on the wire by a loopback
// proxy (the same counts docs/storage.md gives from strace). Statements whose results
// nobody reads ride with the next read; the lock row is read with the project row's lock.

#include <gtest/gtest.h>

#include <string>

#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"
#include "stalling_proxy.hpp"

namespace libsync::testing {
namespace {

int PortOf(const std::string& url) {
  const std::size_t host = url.find("@127.0.0.1:") + std::string("@127.0.0.1:").size();
  return std::stoi(url.substr(host, url.find('/', host) - host));
}

class PgRoundTrips : public ::testing::Test {
 protected:
  void SetUp() override {
    PostgresCluster* cluster = PostgresCluster::Get();
    if (!cluster) {
      if (PostgresRequired()) FAIL() << PostgresCluster::Unavailable();
      GTEST_SKIP() << PostgresCluster::Unavailable();
    }
    const std::string url = cluster->NewDatabase();
    const std::string port = std::to_string(PortOf(url));
    proxy_ = std::make_unique<StallingProxy>(PortOf(url));
    std::string proxied = url;
    proxied.replace(proxied.find("@127.0.0.1:" + port) + 11, port.size(), std::to_string(proxy_->port()));
    // One connection: every transaction below uses it, with its statements prepared.
    auto store = sql::OpenSqlStore({.url = proxied, .pool_size = 1});
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(store).value();
    Project p;
    p.id = "p1";
    p.name = "p";
    p.repo_url = "https://example.com/r.git";
    p.created_at = p.updated_at = kNow;
    ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertProject(p); }).ok());
    Doc d;
    d.id = "d1";
    d.project_id = "p1";
    d.file_name = "a.md";
    d.content = "a";
    d.hash = "h";
    d.created_at = d.updated_at = kNow;
    ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertDoc(d); }).ok());
  }

  /// Round trips `work` costs in a transaction of `mode`, measured on its second run (the
  /// first prepares the statements on the connection, their Parses riding along).
  int Count(TxMode mode, const Store::Work& work) {
    EXPECT_TRUE(store_->Transact(mode, work).ok());
    const int before = proxy_->round_trips();
    EXPECT_TRUE(store_->Transact(mode, work).ok());
    return proxy_->round_trips() - before;
  }

  static Status AcquireLock(Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    LIBSYNC_ASSIGN_OR_RETURN(std::int64_t fence, tx.NextFence("p1"));
    Lock l{"l1", "p1", "alice", kNow, kNow + std::chrono::minutes(5), "editing", "token-hash", fence};
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
    LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent("p1", "lock:acquired", "{}", kNow).status());
    return Status::Ok();
  }
  static Status ReleaseLock(Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock("p1"));
    return tx.AppendEvent("p1", "lock:released", "{}", kNow).status();
  }

  static constexpr Timestamp kNow{std::chrono::milliseconds(1767225600000)};
  std::unique_ptr<StallingProxy> proxy_;
  std::unique_ptr<Store> store_;
};

TEST_F(PgRoundTrips, ALockCycleCostsTwoRoundTripsEachWay) {
  const Store::Work cycle_acquire = [](Transaction& tx) { return AcquireLock(tx); };
  const Store::Work cycle_release = [](Transaction& tx) { return ReleaseLock(tx); };
  // Warm both up, then count: the project row locked with the lock row read (BEGIN
  // along), and the commit carrying the lock row, the event, its notice and the counters.
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_acquire).ok());
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_release).ok());
  int before = proxy_->round_trips();
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_acquire).ok());
  EXPECT_EQ(proxy_->round_trips() - before, 2) << "lock acquire";
  before = proxy_->round_trips();
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_release).ok());
  EXPECT_EQ(proxy_->round_trips() - before, 2) << "lock release";
}

TEST_F(PgRoundTrips, ADocReadCostsTwoRoundTrips) {
  EXPECT_EQ(Count(TxMode::kRead, [](Transaction& tx) { return tx.GetDoc("p1", "a.md").status(); }), 2);
}

}  // namespace
}  // namespace libsync::testing
