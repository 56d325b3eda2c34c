// Conditional doc writes over a real socket (RFC 9110 §13.1): `If-Match: *` matches any
// current version of an existing doc and nothing else.

#include <gtest/gtest.h>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sync_service.hpp"
#include "test_client.hpp"

namespace libsync::web {
namespace {

const std::string kAdmin = "admin-token-for-conditions";

class ConditionalWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    options.access_log = false;
    server_ = Server::Start(api_, options).value();
    project_ = sync_.projects().Create(Caller::Admin(), {.name = "web", .repo_url = "x"})->id;
  }
  void TearDown() override { server_->Stop(std::chrono::seconds(1)); }

  int Send(const std::string& method, const std::string& file, const std::string& headers, const std::string& body = "") {
    Client client(server_->port());
    client.Send(method + " /api/projects/" + project_ + "/docs/" + file + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                kAdmin + "\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return StatusOf(client.ReadResponse());
  }
  std::int64_t VersionOf(const std::string& file) {
    auto doc = sync_.docs().Get(Caller::Admin(), project_, file);
    return doc ? doc->version : 0;
  }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync_{*store_, SystemClock(), SystemRandom(), *box_, NullEventSink()};
  Api api_{sync_, nullptr, {.admin_token = kAdmin}};
  std::unique_ptr<Server> server_;
  std::string project_;
};

TEST_F(ConditionalWriteTest, IfMatchStarUpdatesAnExistingDocAtAnyVersion) {
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"one"})"), 201);
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"two"})"), 200);
  EXPECT_EQ(Send("PUT", "a.md", "If-Match: *\r\n", R"({"content":"three"})"), 200);
  EXPECT_EQ(VersionOf("a.md"), 3);
  EXPECT_EQ(sync_.docs().Get(Caller::Admin(), project_, "a.md")->content, "three");
}

TEST_F(ConditionalWriteTest, IfMatchStarRefusesToCreate) {
  EXPECT_EQ(Send("PUT", "new.md", "If-Match: *\r\n", R"({"content":"x"})"), 412);
  EXPECT_EQ(VersionOf("new.md"), 0) << "a failed precondition created the doc";
}

TEST_F(ConditionalWriteTest, IfMatchStarOnDeleteAndRevert) {
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"one"})"), 201);
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"two"})"), 200);
  EXPECT_EQ(Send("POST", "a.md/revert", "If-Match: *\r\n", R"({"version":1})"), 200);
  EXPECT_EQ(sync_.docs().Get(Caller::Admin(), project_, "a.md")->content, "one");
  EXPECT_EQ(Send("DELETE", "a.md", "If-Match: *\r\n"), 200);
  EXPECT_EQ(VersionOf("a.md"), 0);
  EXPECT_EQ(Send("DELETE", "a.md", "If-Match: *\r\n"), 404);
}

TEST_F(ConditionalWriteTest, IfMatchStarWithIfNoneMatchStarIsAContradiction) {
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"one"})"), 201);
  EXPECT_EQ(Send("PUT", "a.md", "If-Match: *\r\nIf-None-Match: *\r\n", R"({"content":"x"})"), 400);
  EXPECT_EQ(VersionOf("a.md"), 1);
}

TEST_F(ConditionalWriteTest, IfMatchStarWithAStaleBaseVersionStillFails) {
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"one"})"), 201);
  ASSERT_EQ(Send("PUT", "a.md", "", R"({"content":"two"})"), 200);
  EXPECT_EQ(Send("PUT", "a.md", "If-Match: *\r\n", R"({"content":"x","baseVersion":1})"), 412);
  EXPECT_EQ(VersionOf("a.md"), 2);
}

}  // namespace
}  // namespace libsync::web
