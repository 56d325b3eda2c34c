#include "libsync/hook_service.hpp"

#include "libsync/hashing.hpp"
#include "service_fixture.hpp"

namespace libsync {
namespace {

class HookServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "overview.md", "# Overview").has_value());
    ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "guides/style.md", "# Style").has_value());
  }
};

TEST_F(HookServiceTest, HashAndPullAgreeOnTheProjectDocsHash) {
  Caller reader = KeyCaller(project_.id, KeyScope::kRead);
  auto state = sync_.hooks().DocsHash(reader, project_.id);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->count, 2u);
  std::vector<DocSummary> expected = {{"overview.md", Sha256Hex("# Overview")},
                                      {"guides/style.md", Sha256Hex("# Style")}};
  EXPECT_EQ(state->hash, ProjectDocsHash(expected));
  auto pulled = sync_.hooks().Pull(reader, project_.id);
  ASSERT_TRUE(pulled.has_value());
  EXPECT_EQ(pulled->hash, state->hash);
  ASSERT_EQ(pulled->docs.size(), 2u);
  EXPECT_EQ(pulled->docs[0].file_name, "guides/style.md");
  EXPECT_EQ(pulled->docs[1].content, "# Overview");
}

TEST_F(HookServiceTest, HashChangesWithEveryDocChange) {
  const std::string before = sync_.hooks().DocsHash(admin_, project_.id)->hash;
  ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "overview.md", "# Overview v2").has_value());
  const std::string after = sync_.hooks().DocsHash(admin_, project_.id)->hash;
  EXPECT_NE(before, after);
  ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "overview.md", "# Overview v2").has_value());
  EXPECT_EQ(sync_.hooks().DocsHash(admin_, project_.id)->hash, after) << "no-op writes keep the hash";
}

TEST_F(HookServiceTest, LockStateShowsTheLiveLock) {
  Caller reader = KeyCaller(project_.id, KeyScope::kRead);
  EXPECT_EQ(sync_.hooks().LockState(reader, project_.id).value(), std::nullopt);
  ASSERT_TRUE(sync_.locks().Acquire(admin_, project_.id, {.locked_by = "alice"}).has_value());
  auto state = sync_.hooks().LockState(reader, project_.id);
  ASSERT_TRUE(state.has_value() && state->has_value());
  EXPECT_EQ((*state)->locked_by, "alice");
  EXPECT_EQ(sync_.hooks().LockState(reader, "other").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.hooks().LockState(admin_, "other").error().code(), ErrorCode::kNotFound);
}

TEST_F(HookServiceTest, PullRecordsTheConsumerAndConsumersShowWhoIsBehind) {
  Caller laptop = KeyCaller(project_.id, KeyScope::kRead, "laptop");
  Caller desktop = KeyCaller(project_.id, KeyScope::kRead, "desktop");
  KeyCaller(project_.id, KeyScope::kRead, "never-pulled");
  ASSERT_TRUE(sync_.hooks().Pull(laptop, project_.id).has_value());
  ASSERT_TRUE(sync_.hooks().Pull(desktop, project_.id).has_value());
  ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "new.md", "new").has_value());
  clock_.Advance(std::chrono::seconds(10));
  auto laptop_pull = sync_.hooks().Pull(laptop, project_.id);

  auto consumers = sync_.hooks().Consumers(admin_, project_.id);
  ASSERT_TRUE(consumers.has_value());
  ASSERT_EQ(consumers->size(), 3u);
  for (const auto& c : *consumers) {
    if (c.key.name == "laptop") {
      EXPECT_TRUE(c.current);
      EXPECT_EQ(c.key.last_pulled_hash, laptop_pull->hash);
      EXPECT_EQ(c.key.last_pulled_at, clock_.Now());
    } else if (c.key.name == "desktop") {
      EXPECT_FALSE(c.current) << "desktop pulled before new.md";
      EXPECT_FALSE(c.key.last_pulled_hash.empty());
    } else {
      EXPECT_FALSE(c.current);
      EXPECT_FALSE(c.key.last_pulled_at.has_value());
    }
  }
  EXPECT_EQ(sync_.hooks().Consumers(laptop, project_.id).error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(HookServiceTest, KeysOfAnotherProjectGetNotFound) {
  ProjectView other = CreateProject("other");
  Caller stranger = KeyCaller(other.id, KeyScope::kWrite);
  EXPECT_EQ(sync_.hooks().DocsHash(stranger, project_.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.hooks().Pull(stranger, project_.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.hooks().LockState(stranger, project_.id).error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace libsync
