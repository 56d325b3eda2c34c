#include "libsync/key_service.hpp"

#include "libsync/hashing.hpp"
#include "service_fixture.hpp"

namespace libsync {
namespace {

class KeyServiceTest : public ServiceTest {};

TEST_F(KeyServiceTest, CreateShowsTheKeyOnceAndStoresOnlyItsHash) {
  auto created = sync_.keys().Create(admin_, project_.id, "laptop", KeyScope::kWrite);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->plain_key.size(), 67u);
  EXPECT_EQ(created->key.key_hash, Sha256Hex(created->plain_key));
  EXPECT_EQ(created->key.prefix, created->plain_key.substr(0, 11));
  EXPECT_EQ(created->key.scope, KeyScope::kWrite);
  auto listed = sync_.keys().List(admin_, project_.id);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key_hash, Sha256Hex(created->plain_key));
  EXPECT_EQ((*listed)[0].name, "laptop");
}

TEST_F(KeyServiceTest, ScopeDefaultsToRead) {
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  EXPECT_EQ(created->key.scope, KeyScope::kRead);
}

TEST_F(KeyServiceTest, AuthenticateResolvesTheKeysProjectAndScope) {
  auto created = sync_.keys().Create(admin_, project_.id, "ci", KeyScope::kWrite);
  auto caller = sync_.keys().Authenticate(created->plain_key);
  ASSERT_TRUE(caller.has_value());
  EXPECT_FALSE(caller->is_admin());
  EXPECT_EQ(caller->project_id(), project_.id);
  EXPECT_EQ(caller->scope(), KeyScope::kWrite);
  EXPECT_EQ(caller->name(), "ci");
  EXPECT_EQ(caller->key_id(), created->key.id);
}

TEST_F(KeyServiceTest, UnknownMalformedAndRevokedKeysAllLookTheSame) {
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  std::string unknown = created->plain_key;
  unknown.back() = unknown.back() == 'a' ? 'b' : 'a';
  for (const std::string& bad : {std::string(), std::string("sk_"), std::string("nonsense"), unknown,
                                 created->plain_key + "x"}) {
    auto r = sync_.keys().Authenticate(bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message(), "invalid or revoked API key");
  }
  ASSERT_TRUE(sync_.keys().Revoke(admin_, created->key.id).ok());
  auto revoked = sync_.keys().Authenticate(created->plain_key);
  EXPECT_EQ(revoked.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(revoked.error().message(), "invalid or revoked API key");
  EXPECT_FALSE((*sync_.keys().List(admin_, project_.id))[0].is_active);
  EXPECT_TRUE(sync_.keys().Revoke(admin_, created->key.id).ok()) << "revoking twice is fine";
  EXPECT_EQ(sync_.keys().Revoke(admin_, "no-such-key").code(), ErrorCode::kNotFound);
}

TEST_F(KeyServiceTest, LastUsedAtIsRecordedButCoalesced) {
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  const Timestamp first = clock_.Now();
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());
  EXPECT_EQ((*sync_.keys().List(admin_, project_.id))[0].last_used_at, first);
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());
  EXPECT_EQ((*sync_.keys().List(admin_, project_.id))[0].last_used_at, first) << "within the granularity";
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());
  EXPECT_EQ((*sync_.keys().List(admin_, project_.id))[0].last_used_at, clock_.Now());
}

// The granularity is "at most once per interval": a use exactly one interval after the
// recorded one is recorded, one a millisecond earlier is not.
TEST_F(KeyServiceTest, LastUsedAtIsRewrittenExactlyOnceTheGranularityHasPassed) {
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  const Duration granularity = sync_.context().options.key_use_granularity;
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());
  const Timestamp first = clock_.Now();
  clock_.Advance(granularity - std::chrono::milliseconds(1));
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());
  EXPECT_EQ((*sync_.keys().List(admin_, project_.id))[0].last_used_at, first) << "one millisecond early";
  clock_.Advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());
  EXPECT_EQ((*sync_.keys().List(admin_, project_.id))[0].last_used_at, first + granularity) << "exactly on time";
}

TEST_F(KeyServiceTest, OnlyTheAdminManagesKeys) {
  Caller writer = KeyCaller(project_.id, KeyScope::kWrite);
  EXPECT_EQ(sync_.keys().Create(writer, project_.id, "x").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.keys().List(writer, project_.id).error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.keys().Revoke(writer, writer.key_id()).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.keys().Create(admin_, "no-such-project", "x").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.keys().Create(admin_, project_.id, "").error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace libsync
