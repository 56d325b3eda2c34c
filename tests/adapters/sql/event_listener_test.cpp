// Two servers on one PostgreSQL database: events committed through one reach the other's
// subscribers through NOTIFY (or the listener's head sweep, when a notice is lost) and
// EventRelay, once each and in order.

#include "libsync/sql/event_listener.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/event_relay.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"
#include "postgres_cluster.hpp"
#include "stalling_proxy.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

namespace libsync {
namespace {

using testing::PostgresCluster;

struct Instance {
  explicit Instance(const std::string& url)
      : store(sql::OpenSqlStore({.url = url}).value()),
        sync(*store, SystemClock(), SystemRandom(), *box, received, {}, {.relay_remote_events = true}),
        relay(*sync.relay()) {}
  std::unique_ptr<Store> store;
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  RecordingEventSink received;
  SyncService sync;
  EventRelay& relay;
};

std::vector<std::int64_t> Seqs(const RecordingEventSink& sink) {
  std::vector<std::int64_t> out;
  for (const Event& e : sink.Events()) out.push_back(e.seq);
  return out;
}

bool WaitFor(const RecordingEventSink& sink, std::size_t count,
             std::chrono::seconds within = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (sink.Events().size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return sink.Events().size() >= count;
}

TEST(EventListener, AnotherServersEventsReachThisServersSubscribersOnceInOrder) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  Instance a(url), b(url);
  // As a server starts its relay: without a start at the heads, a project first met
  // through a notice has only the events from that notice on, and one notice may stand for
  // both of A's writes below (the notifier sends the newest seq when it gets to it).
  ASSERT_TRUE(b.relay.StartAtHeads().ok());
  auto listener = sql::ListenForEvents(url, [&](const std::string& project, std::int64_t seq) {
    b.relay.OnRemoteEvent(project, seq);
  });
  ASSERT_TRUE(listener.has_value()) << listener.error().ToString();

  const Caller admin = Caller::Admin();
  const std::string project = a.sync.projects().Create(admin, {.name = "web", .repo_url = "x"})->id;
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "one").has_value());   // seq 1
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "two").has_value());   // seq 2
  ASSERT_TRUE(WaitFor(b.received, 2)) << "B never heard of A's events";
  EXPECT_EQ(Seqs(b.received), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(b.received.Events()[1].type, "doc:updated");

  // B's own write is published once, not again when its own NOTIFY comes back.
  ASSERT_TRUE(b.sync.docs().Put(admin, project, "b.md", "mine").has_value());  // seq 3
  ASSERT_TRUE(a.sync.locks().Acquire(admin, project, {.locked_by = "alice"}).has_value());  // seq 4
  ASSERT_TRUE(WaitFor(b.received, 4));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Seqs(b.received), (std::vector<std::int64_t>{1, 2, 3, 4}));

  // A rolled-back write notifies nobody.
  EXPECT_FALSE(a.sync.docs().Put(admin, project, "c.md", "x", {.expected_version = 7}).has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(b.received.Events().size(), 4u);
}

void RunAdmin(PostgresCluster& cluster, const std::string& sql) {
  soci::session admin(soci::postgresql, cluster.AdminConnectString());
  admin << sql;
}

// B's listener loses its connection and cannot get it back for a while (its role may not
// log in), while A commits: to B's own project and to a project created meanwhile. Once
// the listener is back, B's subscribers get every one of those events, once, in order,
// read from the log -- no later notice is needed to bring them.
TEST(EventListener, EventsCommittedWhileTheListenerWasAwayArriveOnceInOrderWhenItIsBack) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  Instance a(url), b(url);
  const Caller admin = Caller::Admin();
  const std::string project = a.sync.projects().Create(admin, {.name = "web", .repo_url = "x"})->id;
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "before").has_value());  // seq 1, before B starts
  ASSERT_TRUE(b.relay.StartAtHeads().ok());

  const std::string listener_url = cluster->AddPasswordUser(url, "listener_b", "pw");
  auto listener = sql::ListenForEvents(
      listener_url, [&](const std::string& p, std::int64_t seq) { b.relay.OnRemoteEvent(p, seq); },
      [&] { return b.relay.CatchUp(); });
  ASSERT_TRUE(listener.has_value()) << listener.error().ToString();
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "live").has_value());  // seq 2, by NOTIFY
  ASSERT_TRUE(WaitFor(b.received, 1));

  RunAdmin(*cluster, "ALTER ROLE listener_b NOLOGIN");
  cluster->TerminateSessions(url);  // A's pool too: it recovers on its own
  for (int i = 3; i <= 5; ++i) {
    auto put = a.sync.docs().Put(admin, project, "a.md", "away " + std::to_string(i));
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
  }
  const std::string created = a.sync.projects().Create(admin, {.name = "new", .repo_url = "x"})->id;
  ASSERT_TRUE(a.sync.docs().Put(admin, created, "n.md", "first").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(b.received.Events().size(), 1u) << "the listener was not away";

  RunAdmin(*cluster, "ALTER ROLE listener_b LOGIN");
  ASSERT_TRUE(WaitFor(b.received, 5)) << "events committed while the listener was away never arrived";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::int64_t> web, fresh;
  for (const Event& e : b.received.Events()) (e.project_id == project ? web : fresh).push_back(e.seq);
  EXPECT_EQ(web, (std::vector<std::int64_t>{2, 3, 4, 5}));
  EXPECT_EQ(fresh, (std::vector<std::int64_t>{1}));

  // And live again: the next event comes by notice.
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "after").has_value());  // seq 6
  ASSERT_TRUE(WaitFor(b.received, 6));
  EXPECT_EQ(b.received.Events().back().seq, 6);
}

// An event committed without any notice (its process died between the commit and its
// notifier's NOTIFY; here, appended by SQL directly) still reaches B's subscribers: the
// listener reads every project's head each second and reports one that moved without a
// notice. Likewise a project deleted without its notice: B publishes its project:deleted.
TEST(EventListener, AnEventCommittedWithoutANoticeArrivesWithinTheSweepBound) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  Instance b(url);
  const Caller admin = Caller::Admin();
  const std::string project = b.sync.projects().Create(admin, {.name = "web", .repo_url = "x"})->id;
  ASSERT_TRUE(b.relay.StartAtHeads().ok());
  auto listener = sql::ListenForEvents(
      url, [&](const std::string& p, std::int64_t seq) { b.relay.OnRemoteEvent(p, seq); },
      [&] { return b.relay.CatchUp(); }, [&] { return b.relay.RetryFailed(); });
  ASSERT_TRUE(listener.has_value()) << listener.error().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the first catch-up is done

  soci::session db(soci::postgresql, cluster->ConnectStringFor(url));
  const std::int64_t head = [&] {
    soci::transaction tx(db);
    long long seq = 0;
    db << R"(UPDATE "Project" SET "eventSeq" = "eventSeq" + 1 WHERE "id" = :p RETURNING "eventSeq")",
        soci::use(project), soci::into(seq);
    db << R"(INSERT INTO "Event" ("projectId", "seq", "type", "payload", "createdAt")
             VALUES (:p, :s, 'doc:updated', '{"fileName":"a.md"}', CURRENT_TIMESTAMP))",
        soci::use(project), soci::use(seq);
    tx.commit();
    return std::int64_t{seq};
  }();
  const auto committed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor(b.received, 1)) << "an event committed without a notice never arrived";
  const auto took = std::chrono::steady_clock::now() - committed_at;
  EXPECT_EQ(b.received.Events()[0].seq, head);
  EXPECT_EQ(b.received.Events()[0].type, "doc:updated");
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  std::cerr << "event without a notice arrived after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

  db << R"(DELETE FROM "Project" WHERE "id" = :p)", soci::use(project);
  ASSERT_TRUE(WaitFor(b.received, 2)) << "a deletion without a notice never arrived";
  EXPECT_EQ(b.received.Events()[1].type, "project:deleted");
  EXPECT_EQ(b.received.Events()[1].project_id, project);
}

// The path to the database goes silent without closing (a partition, a failover that
// reset nothing): no FIN, no RST, so PQstatus stays OK and poll would wait forever. The
// listener must notice within its bound (its head sweep, sent every second, unanswered
// for 5 s), reconnect, and catch up the events whose notices went into the silence.
TEST(EventListener, ASilentlyStalledConnectionIsNoticedReplacedAndCaughtUpWithinTheBound) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  testing::StallingProxy proxy(url);
  const std::string& proxied = proxy.url();

  Instance a(url), b(url);
  const Caller admin = Caller::Admin();
  const std::string project = a.sync.projects().Create(admin, {.name = "web", .repo_url = "x"})->id;
  ASSERT_TRUE(b.relay.StartAtHeads().ok());
  auto listener = sql::ListenForEvents(
      proxied, [&](const std::string& p, std::int64_t seq) { b.relay.OnRemoteEvent(p, seq); },
      [&] { return b.relay.CatchUp(); }, [&] { return b.relay.RetryFailed(); });
  ASSERT_TRUE(listener.has_value()) << listener.error().ToString();
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "live").has_value());  // seq 1, by NOTIFY
  ASSERT_TRUE(WaitFor(b.received, 1));

  proxy.StallOpenConnections();
  const auto stalled_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "into the silence").has_value());  // seq 2
  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "and more").has_value());          // seq 3
  ASSERT_TRUE(WaitFor(b.received, 3, std::chrono::seconds(20)))
      << "events committed after the listener's connection stalled never arrived";
  const auto took = std::chrono::steady_clock::now() - stalled_at;
  EXPECT_LT(took, std::chrono::seconds(12)) << "noticed after "
                                            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                            << " ms";
  EXPECT_EQ(Seqs(b.received), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(proxy.accepted(), 2) << "the listener did not reconnect";
  std::cerr << "stall noticed and caught up after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

  ASSERT_TRUE(a.sync.docs().Put(admin, project, "a.md", "after").has_value());  // seq 4, live again
  ASSERT_TRUE(WaitFor(b.received, 4));
  EXPECT_EQ(Seqs(b.received), (std::vector<std::int64_t>{1, 2, 3, 4}));
}

// A catch-up that keeps failing (one project's log unreadable) is retried with a growing
// backoff (100 ms doubling to 5 s), not every 100 ms: each retry holds the relay's mutex
// while it reads. Over 3 s that is 5 retries at most (0.1 + 0.2 + 0.4 + 0.8 + 1.6 s).
TEST(EventListener, AFailingCatchUpIsRetriedWithAGrowingBackoff) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  std::atomic<int> catch_ups{0}, retries{0};
  auto listener = sql::ListenForEvents(
      url, [](const std::string&, std::int64_t) {}, [&] { return ++catch_ups, false; },
      [&] { return ++retries, false; });
  ASSERT_TRUE(listener.has_value()) << listener.error().ToString();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  listener->reset();
  EXPECT_EQ(catch_ups.load(), 1) << "only a (re)connect calls for the whole catch-up";
  EXPECT_GE(retries.load(), 3);
  EXPECT_LE(retries.load(), 6);
}

TEST(EventListener, RefusesSqlite) {
  auto listener = sql::ListenForEvents("sqlite:///tmp/x.db", [](const std::string&, std::int64_t) {});
  ASSERT_FALSE(listener.has_value());
  EXPECT_EQ(listener.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace libsync
