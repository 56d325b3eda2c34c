// Two servers on one PostgreSQL database: events committed through one reach the other's
// subscribers through NOTIFY + EventRelay, once each and in order.

#include "libsync/sql/event_listener.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/event_relay.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"

namespace libsync {
namespace {

using testing::PostgresCluster;

struct Instance {
  explicit Instance(const std::string& url)
      : store(sql::OpenSqlStore({.url = url}).value()), sync(*store, SystemClock(), SystemRandom(), *box, relay) {
    relay.Bind(sync);
  }
  std::unique_ptr<Store> store;
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  RecordingEventSink received;
  EventRelay relay{received};
  SyncService sync;
};

std::vector<std::int64_t> Seqs(const RecordingEventSink& sink) {
  std::vector<std::int64_t> out;
  for (const Event& e : sink.Events()) out.push_back(e.seq);
  return out;
}

bool WaitFor(const RecordingEventSink& sink, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sink.Events().size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return sink.Events().size() >= count;
}

TEST(EventListener, AnotherServersEventsReachThisServersSubscribersOnceInOrder) {
  PostgresCluster* cluster = PostgresCluster::Get();
  if (!cluster) {
    if (testing::PostgresRequired()) FAIL() << PostgresCluster::Unavailable();
    GTEST_SKIP() << PostgresCluster::Unavailable();
  }
  const std::string url = cluster->NewDatabase();
  Instance a(url), b(url);
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

TEST(EventListener, RefusesSqlite) {
  auto listener = sql::ListenForEvents("sqlite:///tmp/x.db", [](const std::string&, std::int64_t) {});
  ASSERT_FALSE(listener.has_value());
  EXPECT_EQ(listener.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace libsync
