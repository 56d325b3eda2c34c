// POST /api/admin/backup through Api::Handle: who may call it, what it refuses before the
// snapshot taker runs, and how the taker's answers reach the client.

#include "libsync/http/api.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"

namespace libsync::web {
namespace {

namespace json = boost::json;

const std::string kAdmin = "admin-token-for-tests-0123456789";

class BackupRoute : public ::testing::Test {
 protected:
  Response Post(const Api& api, std::vector<std::pair<std::string, std::string>> headers, std::string body = "") {
    return api.Handle(Request{"POST", "/api/admin/backup", std::move(headers), std::move(body)});
  }
  static std::pair<std::string, std::string> AsAdmin() { return {"authorization", "Bearer " + kAdmin}; }

  void SetUp() override {
    const Caller admin = Caller::Admin();
    const std::string project = sync_.projects().Create(admin, {.name = "p", .repo_url = "https://e.com/r.git"})->id;
    write_key_ = sync_.keys().Create(admin, project, "ci", KeyScope::kWrite)->plain_key;
  }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  ManualClock clock_;
  RecordingEventSink sink_;
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync_{*store_, clock_, SystemRandom(), *box_, sink_};
  int taken_ = 0;
  Result<StoreSnapshot> answer_ = StoreSnapshot{"libsync-20261130T104512Z-3f9a1c07.db", 4096};
  Api api_{sync_, nullptr, {.admin_token = kAdmin, .take_snapshot = [this]() -> Result<StoreSnapshot> {
                              ++taken_;
                              return answer_;
                            }}};
  std::string write_key_;
};

TEST_F(BackupRoute, TheAdminGetsTheSnapshotsNameAndSize) {
  const Response r = Post(api_, {AsAdmin()});
  ASSERT_EQ(r.status, 201) << r.body;
  const json::value body = json::parse(r.body);
  EXPECT_EQ(body.at("name").as_string(), "libsync-20261130T104512Z-3f9a1c07.db");
  EXPECT_EQ(body.at("bytes").to_number<std::uint64_t>(), 4096u);
  EXPECT_EQ(taken_, 1);
}

TEST_F(BackupRoute, AKeyEvenAWriteKeyIsRefusedWithoutTakingOne) {
  EXPECT_EQ(Post(api_, {{"x-api-key", write_key_}}).status, 403);
  EXPECT_EQ(Post(api_, {}).status, 401);
  EXPECT_EQ(taken_, 0);
}

TEST_F(BackupRoute, ABodyIsRefusedSinceNoPathComesFromTheClient) {
  const Response r = Post(api_, {AsAdmin()}, R"({"path":"/etc/passwd"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("takes no body"), std::string::npos) << r.body;
  EXPECT_EQ(taken_, 0);
}

TEST_F(BackupRoute, ABackupUnderWayIsAConflictAndTooManyWaitingIsRateLimited) {
  answer_ = Status(ErrorCode::kLockHeld, "a backup is being taken");
  EXPECT_EQ(Post(api_, {AsAdmin()}).status, 409);
  answer_ = Status(ErrorCode::kRateLimited, "4 snapshots wait to be collected");
  EXPECT_EQ(Post(api_, {AsAdmin()}).status, 429);
}

TEST_F(BackupRoute, AServerWithoutATakerSaysToUseTheDatabasesOwnTools) {
  const Api api{sync_, nullptr, {.admin_token = kAdmin}};
  const Response r = Post(api, {AsAdmin()});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("pg_dump"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace libsync::web
