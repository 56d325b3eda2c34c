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

}  // namespace
}  // namespace libsync
