// The API the web app asked for (docs/web.md, "Wanted from the API"), over a real server on
// loopback: the doc list without contents, a page at a time; projects with their lock and
// docs count; GET /api/session. Bad query parameters are a 400 that changes nothing.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/memory_store.hpp"
#include "test_client.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

const std::string kAdmin = "admin-token-for-web-api-tests-01234";

std::string BodyOf(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class WebApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = Server::Start(api_, {.port = 0, .access_log = false});
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    server_ = std::move(started).value();
    project_ = sync_.projects().Create(Caller::Admin(), {.name = "web", .repo_url = "x"})->id;
    other_ = sync_.projects().Create(Caller::Admin(), {.name = "other", .repo_url = "x"})->id;
    write_key_ = sync_.keys().Create(Caller::Admin(), project_, "ada's laptop", KeyScope::kWrite)->plain_key;
    read_key_ = sync_.keys().Create(Caller::Admin(), project_, "ci reader", KeyScope::kRead)->plain_key;
    for (const char* name : {"a.md", "b.md", "c/d.md", "e.md"}) {
      ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, name, std::string("text of ") + name).has_value());
    }
  }
  void TearDown() override {
    if (server_) server_->Stop(1s);
  }
  std::string Get(const std::string& target, const std::string& credentials) {
    Client c(server_->port());
    return c.Get(target, credentials);
  }
  std::string Admin() { return "Authorization: Bearer " + kAdmin + "\r\n"; }
  std::string Key(const std::string& key) { return "X-API-Key: " + key + "\r\n"; }
  std::string Docs() { return "/api/projects/" + project_ + "/docs"; }
  boost::json::value Json(const std::string& response) { return boost::json::parse(BodyOf(response)); }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub_;
  SyncService sync_{*store_, SystemClock(), SystemRandom(), *box_, hub_};
  Api api_{sync_, nullptr, {.admin_token = kAdmin}};
  std::unique_ptr<Server> server_;
  std::string project_, other_, write_key_, read_key_;
};

std::string Str(const boost::json::value& v) { return v.is_string() ? std::string(v.as_string()) : "(not a string)"; }

std::vector<std::string> Names(const boost::json::value& page) {
  std::vector<std::string> out;
  for (const auto& d : page.at("docs").as_array()) out.emplace_back(d.at("fileName").as_string());
  return out;
}

TEST_F(WebApiTest, TheDocListComesWithoutContentsAPageAtATime) {
  const std::string first = Get(Docs() + "?fields=meta&limit=2", Key(read_key_));
  ASSERT_EQ(StatusOf(first), 200) << first;
  EXPECT_EQ(BodyOf(first).find("content"), std::string::npos) << first;
  const auto page1 = Json(first);
  EXPECT_EQ(Names(page1), (std::vector<std::string>{"a.md", "b.md"}));
  EXPECT_EQ(Str(page1.at("next")), "b.md");
  const auto& a = page1.at("docs").as_array().at(0).as_object();
  EXPECT_EQ(a.at("version").to_number<std::int64_t>(), 1);
  EXPECT_EQ(a.at("hash").as_string().size(), 64u);
  EXPECT_TRUE(a.at("updatedAt").is_string());

  const auto page2 = Json(Get(Docs() + "?fields=meta&limit=2&after=b.md", Key(read_key_)));
  EXPECT_EQ(Names(page2), (std::vector<std::string>{"c/d.md", "e.md"}));
  EXPECT_TRUE(page2.at("next").is_null());
  // `after` is decoded, and need not be a doc that exists.
  EXPECT_EQ(Names(Json(Get(Docs() + "?fields=meta&after=c%2Fd.md", Admin()))), (std::vector<std::string>{"e.md"}));
  EXPECT_EQ(Names(Json(Get(Docs() + "?fields=meta&after=bz.md", Admin()))),
            (std::vector<std::string>{"c/d.md", "e.md"}));
  const auto past = Json(Get(Docs() + "?fields=meta&after=zz.md", Admin()));
  EXPECT_TRUE(past.at("docs").as_array().empty());
  EXPECT_TRUE(past.at("next").is_null());
  // The default page holds them all.
  EXPECT_EQ(Names(Json(Get(Docs() + "?fields=meta", Admin()))).size(), 4u);
}

TEST_F(WebApiTest, WithoutQueryParametersTheDocListKeepsItsShape) {
  const auto list = Json(Get(Docs(), Admin()));
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), 4u);
  EXPECT_EQ(Str(list.as_array().at(0).at("content")), "text of a.md");
}

TEST_F(WebApiTest, APagedDocListNeedsTheProjectsKey) {
  EXPECT_EQ(StatusOf(Get(Docs() + "?fields=meta", "")), 401);
  const std::string other_key = sync_.keys().Create(Caller::Admin(), other_, "x", KeyScope::kRead)->plain_key;
  EXPECT_EQ(StatusOf(Get(Docs() + "?fields=meta", Key(other_key))), 404);
  EXPECT_EQ(StatusOf(Get("/api/projects/no-such/docs?fields=meta", Admin())), 404);
}

TEST_F(WebApiTest, BadPagingParametersAre400AndChangeNothing) {
  const std::string before = BodyOf(Get(Docs(), Admin()));
  for (const std::string query : {"fields=meta&limit=0", "fields=meta&limit=-1", "fields=meta&limit=1001",
                                  "fields=meta&limit=99999999999999999999", "fields=meta&limit=abc",
                                  "fields=meta&limit=", "fields=meta&limit=1.5", "fields=meta&limit=%2B5",
                                  "fields=meta&limit=5x", "fields=all", "fields=", "limit=5", "after=a.md",
                                  "fields=meta&after=", "fields=meta&after=..%2F..%2Fetc", "fields=meta&after=%2Fabs",
                                  "fields=meta&after=a%00b", "fields=meta&after=%ZZ", "fields=meta&sort=desc"}) {
    const std::string r = Get(Docs() + "?" + query, Admin());
    EXPECT_EQ(StatusOf(r), 400) << query << "\n" << r;
  }
  EXPECT_EQ(BodyOf(Get(Docs(), Admin())), before);
}

TEST_F(WebApiTest, ProjectsComeWithTheirLockAndDocsCount) {
  ASSERT_TRUE(sync_.locks().Acquire(Caller::Admin(), project_, {.locked_by = "ada", .reason = "big edit"}).has_value());
  const auto list = Json(Get("/api/projects", Admin()));
  ASSERT_EQ(list.as_array().size(), 2u);
  for (const auto& p : list.as_array()) {
    if (Str(p.at("id")) == project_) {
      EXPECT_EQ(p.at("docsCount").to_number<std::int64_t>(), 4);
      EXPECT_EQ(Str(p.at("lock").at("lockedBy")), "ada");
      EXPECT_EQ(Str(p.at("lock").at("reason")), "big edit");
      EXPECT_TRUE(p.at("lock").at("expiresAt").is_string());
      EXPECT_FALSE(p.at("lock").as_object().contains("token"));
    } else {
      EXPECT_EQ(p.at("docsCount").to_number<std::int64_t>(), 0);
      EXPECT_TRUE(p.at("lock").is_null());
      EXPECT_EQ(Str(p.at("name")), "other");
    }
  }
  // A key sees its own project only, with the same fields.
  const auto own = Json(Get("/api/projects", Key(read_key_)));
  ASSERT_EQ(own.as_array().size(), 1u);
  EXPECT_EQ(own.as_array().at(0).at("docsCount").to_number<std::int64_t>(), 4);
  EXPECT_EQ(Str(own.as_array().at(0).at("lock").at("lockedBy")), "ada");
}

TEST_F(WebApiTest, TheSessionSaysWhoTheCredentialsStandFor) {
  EXPECT_EQ(BodyOf(Get("/api/session", Admin())), R"({"role":"admin"})");
  const auto writer = Json(Get("/api/session", Key(write_key_)));
  EXPECT_EQ(Str(writer.at("role")), "key");
  EXPECT_EQ(Str(writer.at("projectId")), project_);
  EXPECT_EQ(Str(writer.at("scope")), "write");
  EXPECT_EQ(Str(writer.at("name")), "ada's laptop");
  // A read key's name is the admin's to see: it is not in the answer.
  const std::string reader = Get("/api/session", Key(read_key_));
  EXPECT_EQ(Str(Json(reader).at("scope")), "read");
  EXPECT_EQ(Str(Json(reader).at("projectId")), project_);
  EXPECT_EQ(reader.find("ci reader"), std::string::npos) << reader;
  EXPECT_EQ(StatusOf(Get("/api/session", "")), 401);
  EXPECT_EQ(StatusOf(Get("/api/session", Key("sk_not_a_real_key_0123456789"))), 401);
  EXPECT_EQ(StatusOf(Get("/api/session", "Authorization: Bearer wrong-token\r\n")), 401);
}

}  // namespace
}  // namespace libsync::web
