#include "libsync/event_relay.hpp"

#include <mutex>
#include <set>

#include "service_fixture.hpp"

namespace libsync {
namespace {

// A store whose event log can be made unreadable, for every project or for some, as a
// database briefly out of reach would leave it; it counts the reads of each project's log.
class UnreadableLogStore final : public Store {
 public:
  explicit UnreadableLogStore(Store& inner) : inner_(inner) {}

  void FailAll(bool fail) {
    std::lock_guard lock(mutex_);
    fail_all_ = fail;
  }
  void Fail(const std::string& project_id, bool fail) {
    std::lock_guard lock(mutex_);
    if (fail) failing_.insert(project_id);
    else failing_.erase(project_id);
  }
  int Reads(const std::string& project_id) {
    std::lock_guard lock(mutex_);
    return reads_[project_id];
  }

  Status Transact(TxMode mode, const Work& work) override {
    return inner_.Transact(mode, [&](Transaction& tx) {
      Reading reading(tx, *this);
      return work(reading);
    });
  }
  std::string_view Kind() const noexcept override { return inner_.Kind(); }

 private:
  // Forwards everything; ReadEvents fails for the projects made unreadable.
  class Reading final : public Transaction {
   public:
    Reading(Transaction& in, UnreadableLogStore& store) : in_(in), store_(store) {}
    Result<Project> GetProject(std::string_view id) override { return in_.GetProject(id); }
    Status LockProject(std::string_view id) override { return in_.LockProject(id); }
    Result<std::vector<Project>> ListProjects() override { return in_.ListProjects(); }
    Status InsertProject(const Project& p) override { return in_.InsertProject(p); }
    Status UpdateProject(const Project& p) override { return in_.UpdateProject(p); }
    Result<bool> ClaimPoll(std::string_view p, std::string_view h, Timestamp now, Timestamp until,
                           Timestamp next) override {
      return in_.ClaimPoll(p, h, now, until, next);
    }
    Status DeleteProject(std::string_view id) override { return in_.DeleteProject(id); }
    Result<Doc> GetDoc(std::string_view p, std::string_view f) override { return in_.GetDoc(p, f); }
    Result<std::vector<Doc>> ListDocs(std::string_view p) override { return in_.ListDocs(p); }
    Result<std::vector<DocSummary>> ListDocSummaries(std::string_view p) override { return in_.ListDocSummaries(p); }
    Result<std::vector<Doc>> ListDocsToExport(std::string_view p) override { return in_.ListDocsToExport(p); }
    Result<std::optional<std::string>> FindPathClash(std::string_view p, std::string_view f) override {
      return in_.FindPathClash(p, f);
    }
    Status InsertDoc(const Doc& d) override { return in_.InsertDoc(d); }
    Result<std::vector<std::string>> InsertNewDocs(std::span<const NewDoc> d) override { return in_.InsertNewDocs(d); }
    Status UpdateDoc(const Doc& d, std::int64_t v) override { return in_.UpdateDoc(d, v); }
    Status DeleteDoc(std::string_view p, std::string_view f) override { return in_.DeleteDoc(p, f); }
    Status PutTombstone(const DocTombstone& t) override { return in_.PutTombstone(t); }
    Result<std::vector<DocTombstone>> ListTombstones(std::string_view p) override { return in_.ListTombstones(p); }
    Result<std::optional<DocTombstone>> TakeTombstone(std::string_view p, std::string_view f) override {
      return in_.TakeTombstone(p, f);
    }
    Status PutConflict(const DocConflict& c) override { return in_.PutConflict(c); }
    Result<std::vector<DocConflict>> ListConflicts(std::string_view p) override { return in_.ListConflicts(p); }
    Result<std::optional<DocConflict>> TakeConflict(std::string_view p, std::string_view f) override {
      return in_.TakeConflict(p, f);
    }
    Status ClearConflicts(std::string_view p) override { return in_.ClearConflicts(p); }
    Status InsertDocVersion(const DocVersion& v) override { return in_.InsertDocVersion(v); }
    Result<std::vector<DocVersion>> ListDocVersions(std::string_view d) override { return in_.ListDocVersions(d); }
    Result<DocVersion> GetDocVersion(std::string_view d, std::int64_t v) override { return in_.GetDocVersion(d, v); }
    Status ReadLock(std::string_view p, FunctionRef<Status(const Lock*)> read) override { return in_.ReadLock(p, read); }
    Status PutLock(const Lock& l) override { return in_.PutLock(l); }
    Status DeleteLock(std::string_view p) override { return in_.DeleteLock(p); }
    Result<std::int64_t> NextFence(std::string_view p) override { return in_.NextFence(p); }
    Result<std::vector<Lock>> ListExpiredLocks(Timestamp now) override { return in_.ListExpiredLocks(now); }
    Status InsertApiKey(const ApiKey& k) override { return in_.InsertApiKey(k); }
    Result<ApiKey> GetApiKey(std::string_view id) override { return in_.GetApiKey(id); }
    Result<ApiKey> FindApiKeyByHash(std::string_view h) override { return in_.FindApiKeyByHash(h); }
    Result<std::vector<ApiKey>> ListApiKeys(std::string_view p) override { return in_.ListApiKeys(p); }
    Status UpdateApiKey(const ApiKey& k) override { return in_.UpdateApiKey(k); }
    Result<std::int64_t> AppendEvent(std::string_view p, std::string_view t, std::string_view payload,
                                     Timestamp at) override {
      return in_.AppendEvent(p, t, payload, at);
    }
    Result<EventPage> ReadEvents(std::string_view p, std::int64_t after, std::size_t limit) override {
      {
        std::lock_guard lock(store_.mutex_);
        ++store_.reads_[std::string(p)];
        if (store_.fail_all_ || store_.failing_.count(std::string(p)) != 0) {
          return Status::Unavailable("database unavailable: pool timeout", "test");
        }
      }
      return in_.ReadEvents(p, after, limit);
    }

   private:
    Transaction& in_;
    UnreadableLogStore& store_;
  };

  Store& inner_;
  std::mutex mutex_;
  bool fail_all_ = false;
  std::set<std::string> failing_;
  std::map<std::string, int> reads_;
};

std::vector<std::int64_t> Seqs(const RecordingEventSink& sink) {
  std::vector<std::int64_t> out;
  for (const Event& e : sink.Events()) out.push_back(e.seq);
  return out;
}

// The relay sits in front of `next`; the service publishes into it, as in aitk-server.
// The relay reads the log through `reader_`, whose store can be made unreadable.
class EventRelayTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> store_ = MakeMemoryStore();
  UnreadableLogStore log_{*store_};
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k1")}).value();
  ManualClock clock_;
  RecordingEventSink next_;
  RecordingEventSink unused_;
  SyncService reader_{log_, clock_, SystemRandom(), *box_, unused_};
  EventRelay relay_{reader_.projects(), reader_.events(), clock_, next_};
  RecordingEventSink elsewhere_;  // what "another server" publishes into
  SyncService sync_{*store_, clock_, SystemRandom(), *box_, relay_};
  SyncService other_server_{*store_, clock_, SystemRandom(), *box_, elsewhere_};
  Caller admin_ = Caller::Admin();
  std::string project_ = sync_.projects().Create(admin_, {.name = "p", .repo_url = "x"})->id;
};

std::vector<std::string> Types(const RecordingEventSink& sink) {
  std::vector<std::string> out;
  for (const Event& e : sink.Events()) out.push_back(e.type);
  return out;
}

// The project's log goes with it, so another server's project:deleted cannot be read:
// the relay publishes one of its own when the log is gone, once, after what it had.
TEST_F(EventRelayTest, AnotherServersDeletionIsPublishedOnceWhenTheLogIsFoundGone) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());  // seq 1
  ASSERT_TRUE(other_server_.projects().Delete(admin_, project_).ok());          // seq 2, with the log
  relay_.OnRemoteEvent(project_, 2);
  relay_.OnRemoteEvent(project_, 2);  // a repeated notice
  EXPECT_TRUE(relay_.CatchUp());
  ASSERT_EQ(Types(next_), (std::vector<std::string>{"doc:updated", "project:deleted"}));
  const Event deleted = next_.Events().back();
  EXPECT_EQ(deleted.project_id, project_);
  EXPECT_EQ(deleted.seq, 2);
  EXPECT_EQ(deleted.payload, R"({"deletedBy":null})");
}

// This server's own deletion goes out as it was committed, and its notice coming back
// finds the log gone without publishing a second one.
TEST_F(EventRelayTest, OurOwnDeletionIsPublishedOnceWithWhoDeleted) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());  // seq 1
  ASSERT_TRUE(sync_.projects().Delete(admin_, project_).ok());                  // seq 2
  relay_.OnRemoteEvent(project_, 2);
  relay_.OnRemoteEvent(project_, 1);
  ASSERT_EQ(Types(next_), (std::vector<std::string>{"doc:updated", "project:deleted"}));
  EXPECT_EQ(next_.Events().back().seq, 2);
  EXPECT_EQ(next_.Events().back().payload, R"({"deletedBy":"admin"})");
}

// Key revocations are ordinary events of the key's project: relayed from the log.
TEST_F(EventRelayTest, AnotherServersRevocationIsRelayedFromTheLog) {
  auto key = other_server_.keys().Create(admin_, project_, "laptop").value();
  ASSERT_TRUE(other_server_.keys().Revoke(admin_, key.key.id).ok());  // seq 1
  relay_.OnRemoteEvent(project_, 1);
  ASSERT_EQ(Types(next_), (std::vector<std::string>{"key:revoked"}));
  EXPECT_NE(next_.Events().back().payload.find(key.key.id), std::string::npos);
}

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

// Another server commits seq 2 and its notice is lost; our seq 3 follows while the log
// cannot be read. Seq 3 must not go out ahead of 2 (subscribers dedupe by seq and would
// never take a late 2): both go out, once each and in order, when the log is back.
TEST_F(EventRelayTest, AnEventAfterAnUnreadableGapWaitsAndFollowsTheGapOnceTheLogIsBack) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());             // seq 1
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "b.md", "theirs").has_value());  // seq 2, notice lost
  log_.FailAll(true);
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours again").has_value());      // seq 3
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "and again").has_value());       // seq 4
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1}));
  EXPECT_FALSE(relay_.RetryFailed());  // still unreadable: nothing goes out
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1}));

  log_.FailAll(false);
  EXPECT_TRUE(relay_.CatchUp());
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(relay_.RetryFailed());
  relay_.OnRemoteEvent(project_, 2);
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3, 4}));
}

// Without a listener to retry (several processes on one SQLite file), the project's
// next local event fills the gap: the waiting events go out before it, in order.
TEST_F(EventRelayTest, TheNextLocalEventPublishesTheEventsThatWaitedForAnUnreadableGap) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours").has_value());             // seq 1
  ASSERT_TRUE(other_server_.docs().Put(admin_, project_, "b.md", "theirs").has_value());  // seq 2
  log_.FailAll(true);
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "ours again").has_value());      // seq 3
  log_.FailAll(false);
  ASSERT_TRUE(sync_.docs().Put(admin_, project_, "a.md", "and again").has_value());       // seq 4
  EXPECT_EQ(Seqs(next_), (std::vector<std::int64_t>{1, 2, 3, 4}));
}

// One project's log keeps failing: the first catch-up reads every project once; retries
// read only the failing one, and its events go out once it can be read.
TEST_F(EventRelayTest, RetriesReadOnlyTheProjectsWhoseLogFailed) {
  const std::string broken = sync_.projects().Create(admin_, {.name = "q", .repo_url = "x"})->id;
  const std::string fine = sync_.projects().Create(admin_, {.name = "r", .repo_url = "x"})->id;
  ASSERT_TRUE(relay_.StartAtHeads().ok());
  for (const std::string& p : {project_, broken, fine}) {
    ASSERT_TRUE(other_server_.docs().Put(admin_, p, "a.md", "away").has_value());  // seq 1 each
  }
  log_.Fail(broken, true);
  EXPECT_FALSE(relay_.CatchUp());
  ASSERT_EQ(next_.Events().size(), 2u);
  const int reads_of_fine = log_.Reads(fine);
  const int reads_of_project = log_.Reads(project_);
  const int reads_of_broken = log_.Reads(broken);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(relay_.RetryFailed());
  EXPECT_EQ(log_.Reads(fine), reads_of_fine);
  EXPECT_EQ(log_.Reads(project_), reads_of_project);
  EXPECT_EQ(log_.Reads(broken), reads_of_broken + 5);

  log_.Fail(broken, false);
  EXPECT_TRUE(relay_.RetryFailed());
  ASSERT_EQ(next_.Events().size(), 3u);
  EXPECT_EQ(next_.Events().back().project_id, broken);
  EXPECT_EQ(next_.Events().back().seq, 1);
  const int reads_after = log_.Reads(broken);
  EXPECT_TRUE(relay_.RetryFailed());  // nothing left: no store access
  EXPECT_EQ(log_.Reads(broken), reads_after);
}

}  // namespace
}  // namespace libsync
