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

// Notices lost (the listener's connection was down): CatchUp reads every project's log
// from the last published seq, without waiting for a later notice.
TEST_F(EventRelayTest, CatchUpPublishesWhatLostNoticesWouldHaveBrought) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());          // seq 1
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "b.md", "away").has_value());  // seq 2
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "c.md", "away").has_value());  // seq 3
  EXPECT_TRUE(relay_.CatchUp());
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(relay_.CatchUp());  // nothing new: nothing again
  relay_.OnRemoteEvent(project_, 3);
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3}));
}

// Our own commit overtakes the notice of another server's earlier one: the earlier event
// goes out first, from the log, so subscribers see seqs in order with no hole.
TEST_F(EventRelayTest, OurOwnEventAfterAGapIsPublishedAfterTheMissingOnes) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());            // seq 1
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "b.md", "theirs").has_value());  // seq 2, notice late
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours again").has_value());      // seq 3
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3}));
  relay_.OnRemoteEvent(project_, 2);  // the late notice
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3}));
}

// Started at the heads: older events are not replayed, and a project created later (here
// while notices were lost) is relayed from its first event.
TEST_F(EventRelayTest, StartAtHeadsSkipsTheOldAndRelaysNewProjectsWhole) {
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "old.md", "before").has_value());  // seq 1
  ASSERT_TRUE(relay_.StartAtHeads().ok());
  const std::string fresh = other_server_.projects().Create(admin_, {.name = "q", .repo_url = "x"})->id;
  ASSERT_TRUE(other_server_.docs().Put(admin_, fresh, "n.md", "one").has_value());  // fresh seq 1
  ASSERT_TRUE(other_server_.docs().Put(admin_, fresh, "n.md", "two").has_value());  // fresh seq 2
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "new.md", "x").has_value());  // seq 2
  EXPECT_TRUE(relay_.CatchUp());
  std::vector<std::int64_t> old_project, new_project;  // in order within each project
  for (const Event& e : next_.Events()) (e.project_id == fresh ? new_project : old_project).push_back(e.seq);
  EXPECT_EQ(old_project, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(new_project, (std::vector<std::int64_t>{1, 2}));
}

}  // namespace
}  // namespace libsync
