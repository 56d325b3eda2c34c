// The round trips each hot use case costs on PostgreSQL, counted on the wire by a loopback
// proxy (the same counts docs/storage.md gives from strace). Statements whose results
// nobody reads ride with the next read; the lock row is read with the project row's lock;
// a doc is read with its current version's history row, and its compare-and-swap update
// is queued, its row count checked when it reaches the server.

#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <string>
#include <vector>

#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"
#include "stalling_proxy.hpp"

namespace libsync::testing {
namespace {

class PgRoundTrips : public ::testing::Test {
 protected:
  void SetUp() override {
    LIBSYNC_POSTGRES_OR_SKIP(cluster);
    url_ = cluster->NewDatabase();
    proxy_ = std::make_unique<StallingProxy>(url_);
    // One connection: every transaction below uses it, with its statements prepared.
    auto store = sql::OpenSqlStore({.url = proxy_->url(), .pool_size = 1});
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

  /// Round trips on the store's one pooled connection, the first the proxy accepted (the
  /// notifier sends its NOTIFYs on a connection of its own, after the commits).
  int PoolRoundTrips() { return proxy_->round_trips_on(0); }

  /// Round trips `work` costs in a transaction of `mode`, measured on its second run (the
  /// first prepares the statements on the connection, their Parses riding along).
  int Count(TxMode mode, const Store::Work& work) {
    EXPECT_TRUE(store_->Transact(mode, work).ok());
    const int before = PoolRoundTrips();
    EXPECT_TRUE(store_->Transact(mode, work).ok());
    return PoolRoundTrips() - before;
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

  /// A content write as DocService does it: the project row, the lock check, the doc, its
  /// current version in the history (recorded first if missing), the new version, the event.
  static Status PutDoc(Transaction& tx, const std::string& content) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    LIBSYNC_RETURN_IF_ERROR(tx.ReadLock("p1", [](const Lock*) { return Status::Ok(); }));
    LIBSYNC_ASSIGN_OR_RETURN(Doc doc, tx.GetDoc("p1", "a.md"));
    auto recorded = tx.GetDocVersion(doc.id, doc.version);
    if (!recorded) {
      if (recorded.error().code() != ErrorCode::kNotFound) return recorded.error();
      LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(VersionOf(doc)));
    }
    const std::int64_t expected = doc.version;
    doc.version += 1;
    doc.content = content;
    doc.hash = "h" + content;
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(doc, expected));
    LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(VersionOf(doc)));
    return tx.AppendEvent("p1", "doc:updated", "{}", kNow).status();
  }
  static DocVersion VersionOf(const Doc& doc) {
    return DocVersion{"v" + std::to_string(doc.version), doc.id, doc.project_id, doc.file_name, doc.version,
                      doc.content, doc.hash, "alice", VersionSource::kApi, kNow, ""};
  }

  static constexpr Timestamp kNow{std::chrono::milliseconds(1767225600000)};
  std::string url_;
  std::unique_ptr<StallingProxy> proxy_;
  std::unique_ptr<Store> store_;
};

TEST_F(PgRoundTrips, ALockCycleCostsTwoRoundTripsEachWay) {
  const Store::Work cycle_acquire = [](Transaction& tx) { return AcquireLock(tx); };
  const Store::Work cycle_release = [](Transaction& tx) { return ReleaseLock(tx); };
  // Warm both up, then count: the project row locked with the lock row read (BEGIN
  // along), and the commit carrying the lock row, the event and the counters.
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_acquire).ok());
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_release).ok());
  int before = PoolRoundTrips();
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_acquire).ok());
  EXPECT_EQ(PoolRoundTrips() - before, 2) << "lock acquire";
  before = PoolRoundTrips();
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, cycle_release).ok());
  EXPECT_EQ(PoolRoundTrips() - before, 2) << "lock release";
}

TEST_F(PgRoundTrips, ADocPutCostsThreeRoundTrips) {
  int n = 0;
  // The project row with the lock row (BEGIN along), the doc with its history row, and
  // the commit carrying the update, the new version, the event and the counters.
  EXPECT_EQ(Count(TxMode::kWrite, [&](Transaction& tx) { return PutDoc(tx, "text " + std::to_string(++n)); }), 3);
}

// The queued compare-and-swap misses when a writer that skipped the project lock moved the
// doc meanwhile: the store then runs the whole operation again, which reads the moved
// doc, so that write is never overwritten by one that did not see it.
TEST_F(PgRoundTrips, AQueuedDocUpdateThatMissesRunsTheOperationAgainAndLosesNoWrite) {
  PGconn* other = PQconnectdb(PostgresCluster::Get()->ConnectStringFor(url_).c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  int attempts = 0;
  const Status put = store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    ++attempts;
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    LIBSYNC_ASSIGN_OR_RETURN(Doc doc, tx.GetDoc("p1", "a.md"));
    if (attempts == 1) {
      PGresult* r = PQexec(other, R"(UPDATE "Doc" SET "content" = 'theirs', "version" = "version" + 1)");
      EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(other);
      PQclear(r);
    }
    const std::int64_t expected = doc.version;
    doc.version += 1;
    doc.content = "ours after " + std::to_string(expected);
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(doc, expected));
    LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(VersionOf(doc)));
    return tx.AppendEvent("p1", "doc:updated", "{}", kNow).status();
  });
  PQfinish(other);
  std::string content;
  std::int64_t version = 0;
  ASSERT_TRUE(store_->Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(Doc d, tx.GetDoc("p1", "a.md"));
    content = d.content;
    version = d.version;
    return Status::Ok();
  }).ok());
  if (put.ok()) {
    // Run again after the miss: the second attempt saw 'theirs' at its version.
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(content, "ours after " + std::to_string(version - 1));
  } else {
    // Or refused: 'theirs' stays.
    EXPECT_EQ(put.code(), ErrorCode::kPreconditionFailed) << put.ToString();
    EXPECT_EQ(content, "theirs");
  }
  EXPECT_EQ(version, put.ok() ? 3 : 2);  // inserted at 1, 'theirs' made it 2, ours 3 if it ran again
  // Nothing of the attempt that missed was committed: only the last attempt's history row
  // and event exist.
  std::vector<std::int64_t> history;
  std::int64_t head = -1;
  ASSERT_TRUE(store_->Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(std::vector<DocVersion> versions, tx.ListDocVersions("d1"));
    for (const DocVersion& v : versions) history.push_back(v.version);
    LIBSYNC_ASSIGN_OR_RETURN(EventPage page, tx.ReadEvents("p1", 0, 10));
    head = page.head_seq;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(history, put.ok() ? std::vector<std::int64_t>{3} : std::vector<std::int64_t>{});
  EXPECT_EQ(head, put.ok() ? 1 : 0);
}

// A lock write is held back to run inside the next event's statement; a second write made
// before that event sends the first one on its own, so the two reach the server in order.
TEST_F(PgRoundTrips, HeldLockWritesReachTheServerInTheOrderTheyWereMade) {
  const auto lock_rows = [&] {
    std::int64_t rows = -1;
    EXPECT_TRUE(store_->Transact(TxMode::kRead, [&](Transaction& tx) {
      return tx.ReadLock("p1", [&](const Lock* l) {
        rows = l ? 1 : 0;
        return Status::Ok();
      });
    }).ok());
    return rows;
  };
  const Lock lock{"l1", "p1", "alice", kNow, kNow + std::chrono::minutes(5), "editing", "token-hash", 1};
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(lock));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock("p1"));
    return tx.AppendEvent("p1", "lock:released", "{}", kNow).status();
  }).ok());
  EXPECT_EQ(lock_rows(), 0) << "put, then delete";
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock("p1"));
    LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent("p1", "lock:expired", "{}", kNow).status());
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(lock));
    return tx.AppendEvent("p1", "lock:acquired", "{}", kNow).status();
  }).ok());
  EXPECT_EQ(lock_rows(), 1) << "delete, event, put, event";
  ASSERT_TRUE(store_->Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p1"));
    return tx.PutLock(lock);  // no event: sent on its own with the commit
  }).ok());
  EXPECT_EQ(lock_rows(), 1) << "put alone";
  std::int64_t head = 0;
  ASSERT_TRUE(store_->Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(EventPage page, tx.ReadEvents("p1", 0, 10));
    head = page.head_seq;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(head, 3);
}

TEST_F(PgRoundTrips, ADocReadCostsTwoRoundTrips) {
  EXPECT_EQ(Count(TxMode::kRead, [](Transaction& tx) { return tx.GetDoc("p1", "a.md").status(); }), 2);
}

}  // namespace
}  // namespace libsync::testing
