#include "libsync/event_service.hpp"

#include "service_fixture.hpp"

namespace libsync {
namespace {

class EventServiceTest : public ServiceTest {
 protected:
  // Keeps 5 events per project, so the retention edge is easy to reach.
  EventServiceTest() : ServiceTest({.event_retention = 5}) {}
};

TEST_F(EventServiceTest, ReplaysEverythingAfterTheGivenSeq) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", "v" + std::to_string(i)).has_value());
  }
  auto page = sync_.events().Since(admin_, project_.id, 1);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].seq, 2);
  EXPECT_EQ(page->events[1].seq, 3);
  EXPECT_EQ(page->head_seq, 3);
  EXPECT_TRUE(sync_.events().Since(admin_, project_.id, 3)->events.empty()) << "caught up";
  // The published events and the durable log are the same events.
  EXPECT_EQ(sink_.Events()[2].payload, page->events[1].payload);
}

TEST_F(EventServiceTest, SeqOlderThanTheRetainedLogIsGone) {
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", "v" + std::to_string(i)).has_value());
  }
  auto gone = sync_.events().Since(admin_, project_.id, 1);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code(), ErrorCode::kGone);
  EXPECT_EQ(gone.error().detail("headSeq"), "8");
  EXPECT_EQ(gone.error().detail("oldestSeq"), "4");
  auto edge = sync_.events().Since(admin_, project_.id, 3);
  ASSERT_TRUE(edge.has_value());
  EXPECT_EQ(edge->events.size(), 5u);
  EXPECT_EQ(sync_.events().Since(admin_, project_.id, 99).error().code(), ErrorCode::kGone);
  EXPECT_EQ(sync_.events().Since(admin_, project_.id, -1).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(EventServiceTest, KeysReadOnlyTheirProjectsEvents) {
  ProjectView other = CreateProject("other");
  Caller reader = KeyCaller(project_.id, KeyScope::kRead);
  EXPECT_TRUE(sync_.events().Since(reader, project_.id, 0).has_value());
  EXPECT_EQ(sync_.events().Since(reader, other.id, 0).error().code(), ErrorCode::kNotFound);
}

// A sink may start another use case from inside Publish (on the same thread). That use
// case's events are its own: the batch being published is not reused under it.
TEST(EventPublishing, AUseCaseStartedFromASinkDoesNotDisturbTheBatchBeingPublished) {
  struct ReentrantSink final : EventSink {
    SyncService* sync = nullptr;
    std::string project_id;
    std::vector<std::string> seen;  // "type seq payload" as read after the nested use case
    void Publish(std::span<const Event> events) noexcept override {
      const bool outer = seen.empty();
      if (outer) {
        // The nested write appends events of its own while `events` is still in use.
        auto put = sync->docs().Put(Caller::Admin(), project_id, "nested.md", "from the sink");
        EXPECT_TRUE(put.has_value());
      }
      for (const Event& e : events) seen.push_back(e.type + " " + std::to_string(e.seq) + " " + e.payload);
    }
  } sink;
  auto store = MakeMemoryStore();
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k1")}).value();
  ManualClock clock;
  SyncService sync(*store, clock, SystemRandom(), *box, sink);
  sink.sync = &sync;
  auto project = sync.projects().Create(Caller::Admin(), {.name = "p", .repo_url = "x"});
  ASSERT_TRUE(project.has_value());
  auto other = sync.projects().Create(Caller::Admin(), {.name = "q", .repo_url = "x"});
  ASSERT_TRUE(other.has_value());
  sink.seen.clear();
  sink.project_id = other->id;  // unlocked, so the nested put succeeds

  auto grant = sync.locks().Acquire(Caller::Admin(), project->id, {.locked_by = "alice"});
  ASSERT_TRUE(grant.has_value());
  // The nested put was published first (from inside), then the outer acquire, intact.
  ASSERT_EQ(sink.seen.size(), 2u);
  EXPECT_EQ(sink.seen[0].rfind("doc:updated 1 ", 0), 0u) << sink.seen[0];
  EXPECT_EQ(sink.seen[1].rfind("lock:acquired 1 {\"lockedBy\":\"alice\"", 0), 0u) << sink.seen[1];
}

}  // namespace
}  // namespace libsync
