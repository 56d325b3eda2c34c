#include "libsync/event_relay.hpp"

#include "service_fixture.hpp"

namespace libsync {
namespace {

std::vector<std::int64_t> Seqs(const RecordingEventSink& sink) {
  std::vector<std::int64_t> out;
  for (const Event& e : sink.Events()) out.push_back(e.seq);
  return out;
}

// The relay sits in front of `next`; the service publishes into it, as in aitk-server.
class EventRelayTest : public ::testing::Test {
 protected:
  EventRelayTest() { relay_.Bind(sync_); }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k1")}).value();
  ManualClock clock_;
  RecordingEventSink next_;
  EventRelay relay_{next_};
  RecordingEventSink elsewhere_;  // what "another server" publishes into
  SyncService sync_{*store_, clock_, SystemRandom(), *box_, relay_};
  SyncService other_server_{*store_, clock_, SystemRandom(), *box_, elsewhere_};
  Caller admin_ = Caller::Admin();
  std::string project_ = sync_.projects().Create(admin_, {.name = "p", .repo_url = "x"})->id;
};

TEST_F(EventRelayTest, RelaysAnotherServersEventsOnceAndInOrder) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());         // seq 1
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "b.md", "theirs").has_value()); // seq 2
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "c.md", "theirs").has_value()); // seq 3
  relay_.OnRemoteEvent(project_, 3);
  relay_.OnRemoteEvent(project_, 2);  // a late notice of what was relayed already
  relay_.OnRemoteEvent(project_, 1);  // the notice of our own event
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3}));
}

// Our own commit's notice can arrive before our own Publish: the event is relayed from
// the log first, and the late local publish must not deliver it again.
TEST_F(EventRelayTest, OurOwnEventRelayedFirstIsNotPublishedTwice) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "one").has_value());  // seq 1, published
  // Seq 2 committed here but, as if its Publish were still on its way, written by a
  // service that does not publish into the relay; its notice comes back first.
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "a.md", "two").has_value());
  relay_.OnRemoteEvent(project_, 2);
  ASSERT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2}));
  // Now the local publish of seq 2 arrives, together with a fresh seq 3.
  const Event late = elsewhere_.Events().back();
  Event fresh = late;
  fresh.seq = 3;
  relay_.Publish(std::vector<Event>{late, fresh});
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace libsync
