// The PostgreSQL store's notices to other servers (pg_event_notifier.hpp), heard on a plain
// LISTEN connection of the test's own: a commit with events is announced after it, by one
// notifier connection whose statements gather the commits of many writers; nothing is
// sent without events; a store closed right after its commit still sends the notice.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"
#include "stalling_proxy.hpp"

namespace libsync::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Timestamp kNow{std::chrono::milliseconds(1767225600000)};

// LISTENs on a connection of its own and keeps, per project, how many notices came and
// the newest seq they carried.
class NoticeCounter {
 public:
  explicit NoticeCounter(const std::string& connect_string) : conn_(PQconnectdb(connect_string.c_str())) {
    PGresult* r = PQexec(conn_, "LISTEN libsync_events");
    listening_ = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    thread_ = std::thread([this] { Run(); });
  }
  ~NoticeCounter() {
    stopping_ = true;
    thread_.join();
    PQfinish(conn_);
  }

  bool listening() const { return listening_; }
  int total() {
    std::lock_guard lock(mutex_);
    return total_;
  }
  /// Waits until a notice has carried `seq` (or later) for each of `projects`.
  bool WaitForHeads(const std::map<std::string, std::int64_t>& heads, std::chrono::seconds within) {
    const auto deadline = Clock::now() + within;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        bool all = true;
        for (const auto& [project, seq] : heads) all = all && newest_[project] >= seq;
        if (all) return true;
      }
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  void Run() {
    while (!stopping_) {
      pollfd fd{PQsocket(conn_), POLLIN, 0};
      if (poll(&fd, 1, 20) <= 0) continue;
      if (PQconsumeInput(conn_) == 0) return;
      while (PGnotify* n = PQnotifies(conn_)) {
        const std::string payload = n->extra;
        PQfreemem(n);
        const auto colon = payload.rfind(':');
        std::int64_t seq = 0;
        std::from_chars(payload.data() + colon + 1, payload.data() + payload.size(), seq);
        std::lock_guard lock(mutex_);
        ++total_;
        std::int64_t& newest = newest_[payload.substr(0, colon)];
        newest = std::max(newest, seq);
      }
    }
  }

  PGconn* conn_;
  bool listening_ = false;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  int total_ = 0;
  std::map<std::string, std::int64_t> newest_;
  std::thread thread_;
};

Status InsertProject(Store& store, const std::string& id) {
  Project p;
  p.id = id;
  p.name = id;
  p.repo_url = "https://example.com/r.git";
  p.created_at = p.updated_at = kNow;
  return store.Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertProject(p); });
}

// A lock grant and its release, each a transaction that appends one event.
Status LockCycle(Store& store, const std::string& project) {
  LIBSYNC_RETURN_IF_ERROR(store.Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project));
    LIBSYNC_ASSIGN_OR_RETURN(std::int64_t fence, tx.NextFence(project));
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock({"l-" + project, project, "alice", kNow, kNow + std::chrono::minutes(5),
                                        "editing", "token-hash", fence}));
    return tx.AppendEvent(project, "lock:acquired", "{}", kNow).status();
  }));
  return store.Transact(TxMode::kWrite, [&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock(project));
    return tx.AppendEvent(project, "lock:released", "{}", kNow).status();
  });
}

// A fresh database, a proxy in front of it that counts connections and round trips, and a
// LISTEN connection of the test's own (not through the proxy).
class EventNotifier : public ::testing::Test {
 protected:
  void SetUp() override {
    LIBSYNC_POSTGRES_OR_SKIP(cluster);
    url_ = cluster->NewDatabase();
    proxy_ = std::make_unique<StallingProxy>(url_);
    notices_ = std::make_unique<NoticeCounter>(cluster->ConnectStringFor(url_));
    ASSERT_TRUE(notices_->listening());
  }

  std::string url_;
  std::unique_ptr<StallingProxy> proxy_;
  std::unique_ptr<NoticeCounter> notices_;
};

// Nothing is announced for transactions that committed no event: reads, writes without
// events, and a write whose event was rolled back. The notifier does not even connect.
TEST_F(EventNotifier, NothingIsSentWithoutACommittedEvent) {
  auto store = sql::OpenSqlStore({.url = proxy_->url(), .pool_size = 2}).value();
  ASSERT_TRUE(InsertProject(*store, "p").ok());
  ASSERT_TRUE(store->Transact(TxMode::kRead, [](Transaction& tx) { return tx.ListProjects().status(); }).ok());
  ASSERT_TRUE(store->Transact(TxMode::kRead, [](Transaction& tx) { return tx.ReadEvents("p", 0, 10).status(); }).ok());
  const Status rolled_back = store->Transact(TxMode::kWrite, [](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("p"));
    LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent("p", "lock:acquired", "{}", kNow).status());
    return Status::PreconditionFailed("changed my mind");
  });
  EXPECT_EQ(rolled_back.code(), ErrorCode::kPreconditionFailed);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(notices_->total(), 0);
  EXPECT_EQ(proxy_->accepted(), 2) << "a connection beyond the pool's was opened with nothing to send";
}

// Eight writers, each on its project, commit 1,600 events. Every project's last notice
// carries its head (one notice stands for the events before it), and the notices go in
// far fewer NOTIFY statements than there were commits, all on one connection of the
// notifier's own: before, each commit sent its own, each a turn at PostgreSQL's
// database-wide notification lock.
TEST_F(EventNotifier, ConcurrentCommitsShareNotifyStatementsAndTheLastNoticeCarriesEachHead) {
  constexpr int kWriters = 8;
  constexpr int kCycles = 100;
  auto store = sql::OpenSqlStore({.url = proxy_->url(), .pool_size = kWriters}).value();
  StallingProxy& proxy = *proxy_;
  NoticeCounter& notices = *notices_;
  ASSERT_EQ(proxy.accepted(), kWriters);
  std::map<std::string, std::int64_t> heads;
  for (int w = 0; w < kWriters; ++w) {
    const std::string project = "p" + std::to_string(w);
    ASSERT_TRUE(InsertProject(*store, project).ok());
    heads[project] = 2 * kCycles;
  }

  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (const auto& [project, head] : heads) {
    writers.emplace_back([&, project = project] {
      for (int i = 0; i < kCycles; ++i) {
        if (!LockCycle(*store, project).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_EQ(failures.load(), 0);
  const int commits = kWriters * kCycles * 2;

  ASSERT_TRUE(notices.WaitForHeads(heads, std::chrono::seconds(5))) << "some project's last events were never announced";
  // The notifier's round trips: its NOTIFY statements, and the connection's start-up.
  const int statements = proxy.round_trips_on(kWriters);
  std::cerr << commits << " commits, " << notices.total() << " notices, " << proxy.accepted() - kWriters
            << " connection(s) beyond the pool's with " << statements << " round trips\n";
  EXPECT_LT(notices.total(), commits);
  ASSERT_EQ(proxy.accepted(), kWriters + 1) << "the notices did not come from one connection of their own";
  EXPECT_LE(statements, commits / 4);
}

// A store closed right after its commit (a process exiting normally) still sends the
// notice before it is gone.
TEST_F(EventNotifier, AStoreClosedRightAfterACommitStillSendsItsNotice) {
  for (int i = 1; i <= 3; ++i) {
    auto store = sql::OpenSqlStore({.url = url_, .pool_size = 1}).value();
    if (i == 1) {
      ASSERT_TRUE(InsertProject(*store, "p").ok());
    }
    ASSERT_TRUE(LockCycle(*store, "p").ok());
    store.reset();
    EXPECT_TRUE(notices_->WaitForHeads({{"p", 2 * i}}, std::chrono::seconds(3))) << "close " << i;
  }
}

}  // namespace
}  // namespace libsync::testing
