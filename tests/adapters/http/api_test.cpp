// The HTTP API handler, driven with requests in process: routes, shapes, status codes,
// error bodies, and bad input that must change nothing.

#include "libsync/http/api.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/hashing.hpp"
#include "libsync/http/doc_answer.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"

namespace libsync::web {
namespace {

namespace json = boost::json;

const std::string kAdmin = "admin-token-for-tests-0123456789";

class ApiTest : public ::testing::Test {
 protected:
  struct Reply {
    int status;
    json::value body;
    Response raw;
    std::string Header(const std::string& name) const {
      for (const auto& [k, v] : raw.headers) {
        if (k == name) return v;
      }
      return {};
    }
  };

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {{"authorization", "Bearer " + kAdmin}}) {
    Request req{method, target, std::move(headers), body};
    Response r = (through_hook_cache_ ? cached_api_ : api_).Handle(req);
    boost::system::error_code ec;
    json::value parsed = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "response is not JSON: " << r.body;
    return {r.status, parsed, r};
  }
  Reply AsKey(const std::string& key, const std::string& method, const std::string& target,
              const std::string& body = "", std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.emplace_back("x-api-key", key);
    return Call(method, target, body, extra);
  }

  void SetUp() override {
    Reply created = Call("POST", "/api/projects",
                         R"({"name":"web","repoUrl":"https://github.com/acme/web.git","token":"ghp_secret"})");
    ASSERT_EQ(created.status, 201) << json::serialize(created.body);
    project_ = std::string(created.body.at("id").as_string());
    read_key_ = Key("laptop", "read");
    write_key_ = Key("ci", "write");
  }

  std::string Key(const std::string& name, const std::string& scope) {
    Reply r = Call("POST", "/api/projects/" + project_ + "/api-keys",
                   R"({"name":")" + name + R"(","scope":")" + scope + R"("})");
    EXPECT_EQ(r.status, 201);
    return std::string(r.body.at("key").as_string());
  }

  std::string Docs() { return "/api/projects/" + project_ + "/docs"; }

  /// Everything a bad request must leave alone, as text.
  std::string Snapshot() {
    Reply docs = Call("GET", Docs());
    Reply lock = Call("GET", "/api/projects/" + project_ + "/lock");
    Reply projects = Call("GET", "/api/projects");
    return json::serialize(docs.body) + json::serialize(lock.body) + json::serialize(projects.body);
  }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  ManualClock clock_;
  RecordingEventSink sink_;
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  // The services publish through the hook cache, as in the server, which keeps docs as
  // their GET's answer. Its bound is far longer than any test, so only an invalidation
  // makes a change visible through it.
  SyncService sync_{*store_, clock_, SystemRandom(), *box_, sink_, {},
                    {.hook_cache = HookCacheOptions{.max_staleness = std::chrono::hours(1), .render_doc = RenderDocAnswer}}};
  HookCache& hook_cache_ = *sync_.hook_cache();
  Api api_{sync_, nullptr, {.admin_token = kAdmin}};
  // The same API answering the hook routes from the cache; Call uses it when
  // through_hook_cache_ is set.
  Api cached_api_{sync_, nullptr, {.admin_token = kAdmin, .hook_cache = &hook_cache_}};
  bool through_hook_cache_ = false;
  std::string project_, read_key_, write_key_;
};

TEST_F(ApiTest, HealthAnswersWithoutCredentials) {
  Reply r = Call("GET", "/api/health", "", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.at("status").as_string(), "ok");
  EXPECT_EQ(r.body.at("store").as_string(), "memory");
}

TEST_F(ApiTest, ProjectsNeverShowTheToken) {
  Reply r = Call("GET", "/api/projects/" + project_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.at("hasToken").as_bool(), true);
  EXPECT_EQ(r.body.as_object().count("token"), 0u);
  EXPECT_EQ(json::serialize(r.body).find("ghp_secret"), std::string::npos);
  EXPECT_EQ(r.body.at("branch").as_string(), "main");
}

TEST_F(ApiTest, ErrorsHaveTheNestStyleBody) {
  Reply r = Call("GET", "/api/projects/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.at("statusCode").as_int64(), 404);
  EXPECT_EQ(r.body.at("error").as_string(), "Not Found");
  EXPECT_FALSE(r.body.at("message").as_string().empty());
}

TEST_F(ApiTest, DocPutGetWithETagAndIfMatch) {
  Reply created = Call("PUT", Docs() + "/guides/style.md", R"({"content":"# Style\n"})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.Header("etag"), "\"v1\"");
  EXPECT_EQ(created.body.at("hash").as_string(), Sha256Hex("# Style\n"));
  Reply got = Call("GET", Docs() + "/guides%2Fstyle.md");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.at("content").as_string(), "# Style\n");
  EXPECT_EQ(got.body.at("fileName").as_string(), "guides/style.md");

  auto headers = std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer " + kAdmin},
                                                                  {"if-match", "\"v1\""}};
  Reply updated = Call("PUT", Docs() + "/guides/style.md", R"({"content":"# Style 2\n"})", headers);
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(updated.Header("etag"), "\"v2\"");
  Reply stale = Call("PUT", Docs() + "/guides/style.md", R"({"content":"# Style 3\n"})", headers);
  EXPECT_EQ(stale.status, 412);
  // The version a client compares with its own, as a number like every other version.
  EXPECT_EQ(stale.body.at("currentVersion"), json::value(2)) << json::serialize(stale.body);
  EXPECT_EQ(Call("GET", Docs() + "/guides/style.md").body.at("content").as_string(), "# Style 2\n");
  Reply stale_body = Call("PUT", Docs() + "/guides/style.md", R"({"content":"x","baseVersion":1})");
  EXPECT_EQ(stale_body.status, 412);
}

// If-None-Match: * makes a PUT create-only: on an existing doc it is refused and the
// doc stays as it was.
TEST_F(ApiTest, IfNoneMatchStarRefusesToOverwriteAnExistingDoc) {
  const auto create_only = std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer " + kAdmin},
                                                                           {"if-none-match", "*"}};
  Reply created = Call("PUT", Docs() + "/a.md", R"({"content":"first"})", create_only);
  EXPECT_EQ(created.status, 201);
  sink_.Clear();
  Reply again = Call("PUT", Docs() + "/a.md", R"({"content":"second"})", create_only);
  EXPECT_EQ(again.status, 412) << json::serialize(again.body);
  Reply got = Call("GET", Docs() + "/a.md");
  EXPECT_EQ(got.body.at("content").as_string(), "first");
  EXPECT_EQ(got.body.at("version").as_int64(), 1);
  EXPECT_TRUE(sink_.Events().empty());
  EXPECT_EQ(AsKey(write_key_, "PUT", Docs() + "/a.md", R"({"content":"third"})", {{"if-none-match", "*"}}).status,
            412);
  EXPECT_EQ(Call("GET", Docs() + "/a.md").body.at("content").as_string(), "first");
}

TEST_F(ApiTest, RevertHonoursIfMatch) {
  Call("PUT", Docs() + "/a.md", R"({"content":"one"})");
  Call("PUT", Docs() + "/a.md", R"({"content":"two"})");
  auto stale = std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer " + kAdmin},
                                                                {"if-match", "\"v1\""}};
  Reply refused = Call("POST", Docs() + "/a.md/revert", R"({"version":1})", stale);
  EXPECT_EQ(refused.status, 412) << json::serialize(refused.body);
  Reply got = Call("GET", Docs() + "/a.md");
  EXPECT_EQ(got.body.at("content").as_string(), "two");
  EXPECT_EQ(got.body.at("version").as_int64(), 2);
  auto current = std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer " + kAdmin},
                                                                  {"if-match", "\"v2\""}};
  Reply reverted = Call("POST", Docs() + "/a.md/revert", R"({"version":1})", current);
  EXPECT_EQ(reverted.status, 200);
  EXPECT_EQ(reverted.Header("etag"), "\"v3\"");
  EXPECT_EQ(Call("GET", Docs() + "/a.md").body.at("content").as_string(), "one");
}

TEST_F(ApiTest, HistoryVersionsAndRevert) {
  Call("PUT", Docs() + "/a.md", R"({"content":"one"})");
  Call("PUT", Docs() + "/a.md", R"({"content":"two"})");
  Reply history = Call("GET", Docs() + "/a.md/history");
  ASSERT_EQ(history.status, 200);
  ASSERT_EQ(history.body.as_array().size(), 2u);
  EXPECT_EQ(history.body.as_array()[0].at("version").as_int64(), 2);
  EXPECT_EQ(history.body.as_array()[0].at("source").as_string(), "api");
  Reply v1 = Call("GET", Docs() + "/a.md/versions/1");
  EXPECT_EQ(v1.body.at("content").as_string(), "one");
  Reply reverted = Call("POST", Docs() + "/a.md/revert", R"({"version":1})");
  EXPECT_EQ(reverted.status, 200);
  EXPECT_EQ(reverted.body.at("version").as_int64(), 3);
  EXPECT_EQ(Call("GET", Docs() + "/a.md").body.at("content").as_string(), "one");
}

// The web app marks its saves; the history keeps the mark. git and revert are the
// server's own sources, so a client claiming them is refused and nothing is written.
TEST_F(ApiTest, ADocPutRecordsItsSourceWebOrApiOnly) {
  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"one","source":"web"})").status, 201);
  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"two","source":"api"})").status, 200);
  for (const char* body : {R"({"content":"x","source":"git"})", R"({"content":"x","source":"revert"})",
                           R"({"content":"x","source":"WEB"})", R"({"content":"x","source":""})",
                           R"({"content":"x","source":1})"}) {
    Reply refused = Call("PUT", Docs() + "/a.md", body);
    EXPECT_EQ(refused.status, 400) << body;
  }
  Reply history = Call("GET", Docs() + "/a.md/history");
  ASSERT_EQ(history.body.as_array().size(), 2u) << "a refused source wrote nothing";
  EXPECT_EQ(history.body.as_array()[0].at("source").as_string(), "api");
  EXPECT_EQ(history.body.as_array()[1].at("source").as_string(), "web");
}

TEST_F(ApiTest, LockFlowWith409And423AndRelease) {
  Reply acquired = Call("POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"alice","reason":"edit"})");
  ASSERT_EQ(acquired.status, 201);
  const std::string token(acquired.body.at("token").as_string());
  EXPECT_EQ(acquired.body.at("fence").as_int64(), 1);
  Reply held = AsKey(write_key_, "POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"bob"})");
  EXPECT_EQ(held.status, 409);
  EXPECT_EQ(held.body.at("lockedBy").as_string(), "alice");
  Reply get = Call("GET", "/api/projects/" + project_ + "/lock");
  EXPECT_EQ(get.body.at("lockedBy").as_string(), "alice");
  EXPECT_EQ(get.body.as_object().count("token"), 0u);
  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"x"})").status, 423);
  auto with_token = std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer " + kAdmin},
                                                                     {"x-lock-token", token}};
  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"x"})", with_token).status, 201);
  EXPECT_EQ(Call("GET", "/api/projects/" + project_ + "/lock/verify", "", with_token).body.at("status").as_string(),
            "ours");
  Reply extended = Call("POST", "/api/projects/" + project_ + "/lock/extend", R"({"minutes":45})", with_token);
  EXPECT_EQ(extended.status, 200);
  Reply released = Call("DELETE", "/api/projects/" + project_ + "/lock", "", with_token);
  EXPECT_EQ(released.body.at("released").as_bool(), true);
  EXPECT_TRUE(Call("GET", "/api/projects/" + project_ + "/lock").body.is_null());
}

TEST_F(ApiTest, AdminForceReleaseNeedsAReason) {
  Call("POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"alice"})");
  EXPECT_EQ(Call("DELETE", "/api/projects/" + project_ + "/lock?force=true").status, 400);
  Reply forced = Call("DELETE", "/api/projects/" + project_ + "/lock?force=true&reason=on%20holiday");
  EXPECT_EQ(forced.status, 200);
  EXPECT_EQ(forced.body.at("released").as_bool(), true);
  EXPECT_NE(sink_.Events().back().payload.find("on holiday"), std::string::npos);
}

// Doc responses are written as JSON text by hand (for speed); any content must come back
// exactly, through any JSON parser, in each of them.
TEST_F(ApiTest, DocResponsesCarryAnyContentExactly) {
  const std::string content = "quote \" backslash \\ slash / newline \n tab \t cr \r ff \f bs \b "
                              "control \x01\x1f del \x7f unicode Ã¼Ã± ð </script>";
  Reply put = Call("PUT", Docs() + "/odd.md", json::serialize(json::object{{"content", content}}));
  ASSERT_EQ(put.status, 201);
  EXPECT_EQ(put.body.at("content").as_string(), content);

  Reply got = Call("GET", Docs() + "/odd.md");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body.at("content").as_string(), content);
  std::vector<std::string> fields;
  for (const auto& field : got.body.as_object()) fields.emplace_back(field.key());
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "projectId", "fileName", "content", "hash", "version",
                                              "createdAt", "updatedAt", "updatedBy"}));
  EXPECT_EQ(got.body.at("version").as_int64(), 1);
  EXPECT_EQ(got.body.at("hash").as_string(), Sha256Hex(content));

  Reply listed = Call("GET", Docs());
  ASSERT_EQ(listed.status, 200);
  bool found = false;
  for (const auto& d : listed.body.as_array()) {
    if (d.at("fileName").as_string() == "odd.md") found = d.at("content").as_string() == content;
  }
  EXPECT_TRUE(found);

  Reply pulled = AsKey(read_key_, "POST", "/api/hook/sync/" + project_);
  ASSERT_EQ(pulled.status, 201);
  found = false;
  for (const auto& d : pulled.body.at("docs").as_array()) {
    if (d.at("fileName").as_string() == "odd.md") found = d.at("content").as_string() == content;
  }
  EXPECT_TRUE(found);
}

TEST_F(ApiTest, HookRoutesKeepTheOriginalShapes) {
  Call("PUT", Docs() + "/overview.md", R"({"content":"# Overview"})");
  Call("PUT", Docs() + "/guides/style.md", R"({"content":"# Style"})");
  Reply status = AsKey(read_key_, "GET", "/api/hook/status/" + project_);
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(json::serialize(status.body), R"({"locked":false})");
  Reply docs = AsKey(read_key_, "GET", "/api/hook/docs/" + project_);
  EXPECT_EQ(docs.body.at("docsCount").as_int64(), 2);
  Reply pulled = AsKey(read_key_, "POST", "/api/hook/sync/" + project_);
  EXPECT_EQ(pulled.status, 201);  // the original's answer to its hooks' POST
  EXPECT_EQ(pulled.body.at("hash"), docs.body.at("hash"));
  Reply got = AsKey(read_key_, "GET", "/api/hook/sync/" + project_);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.at("hash"), docs.body.at("hash"));
  ASSERT_EQ(pulled.body.at("docs").as_array().size(), 2u);
  const auto& first = pulled.body.at("docs").as_array()[0].as_object();
  EXPECT_EQ(first.size(), 3u);
  EXPECT_EQ(first.at("fileName").as_string(), "guides/style.md");
  Call("POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"alice"})");
  Reply locked = AsKey(read_key_, "GET", "/api/hook/status/" + project_);
  EXPECT_EQ(locked.body.at("locked").as_bool(), true);
  EXPECT_EQ(locked.body.at("lockedBy").as_string(), "alice");
  EXPECT_TRUE(locked.body.as_object().contains("lockedAt"));
  EXPECT_TRUE(locked.body.as_object().contains("expiresAt"));
  Reply consumers = Call("GET", "/api/projects/" + project_ + "/consumers");
  bool laptop_current = false;
  for (const auto& c : consumers.body.as_array()) {
    if (c.at("name").as_string() == "laptop") laptop_current = c.at("current").as_bool();
  }
  EXPECT_TRUE(laptop_current);
}

// The hook routes answer from the cache; every change made through this server's API
// shows on the very next hook request, while the cache's bound (an hour here) would
// otherwise keep the old answer.
TEST_F(ApiTest, HookRoutesThroughTheCacheSeeEveryApiChangeAtOnce) {
  through_hook_cache_ = true;
  Call("PUT", Docs() + "/a.md", R"({"content":"one"})");
  const std::string status = "/api/hook/status/" + project_;
  const std::string docs = "/api/hook/docs/" + project_;
  auto hash = [&] { return std::string(AsKey(read_key_, "GET", docs).body.at("hash").as_string()); };
  auto locked_by = [&] {
    Reply r = AsKey(read_key_, "GET", status);
    EXPECT_EQ(r.status, 200);
    return r.body.at("locked").as_bool() ? std::string(r.body.at("lockedBy").as_string()) : std::string();
  };
  const std::string first = hash();
  EXPECT_EQ(locked_by(), "");

  // A change the cache is never told of (another server on the same database) stays
  // unseen within the bound: the answers really come from the cache.
  SyncService elsewhere{*store_, clock_, SystemRandom(), *box_, NullEventSink()};
  ASSERT_TRUE(elsewhere.docs().Put(Caller::Admin(), project_, "b.md", "elsewhere").has_value());
  EXPECT_EQ(hash(), first);
  const Request peek{"GET", docs, {{"x-api-key", read_key_}}, ""};
  auto cached = cached_api_.HandleCached(peek);
  ASSERT_TRUE(cached.has_value()) << "a warm entry is answered without the store";
  EXPECT_NE(cached->body.find(first), std::string::npos);

  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"two"})").status, 200);
  const std::string second = hash();
  EXPECT_NE(second, first) << "a doc write through the API was not seen";
  EXPECT_EQ(cached_api_.HandleCached(peek)->body.find(first), std::string::npos);

  Reply acquired = Call("POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"alice"})");
  ASSERT_EQ(acquired.status, 201);
  EXPECT_EQ(locked_by(), "alice") << "a lock taken through the API was not seen";
  const auto with_token = std::vector<std::pair<std::string, std::string>>{
      {"authorization", "Bearer " + kAdmin}, {"x-lock-token", std::string(acquired.body.at("token").as_string())}};
  EXPECT_EQ(Call("DELETE", Docs() + "/b.md", "", with_token).status, 200);
  EXPECT_NE(hash(), second) << "a delete through the API was not seen";
  EXPECT_EQ(Call("DELETE", "/api/projects/" + project_ + "/lock", "", with_token).status, 200);
  EXPECT_EQ(locked_by(), "") << "a release through the API was not seen";

  Reply keys = Call("GET", "/api/projects/" + project_ + "/api-keys");
  std::string read_id;
  for (const auto& k : keys.body.as_array()) {
    if (k.at("name").as_string() == "laptop") read_id = std::string(k.at("id").as_string());
  }
  ASSERT_EQ(Call("DELETE", "/api/projects/api-keys/" + read_id).status, 200);
  EXPECT_EQ(AsKey(read_key_, "GET", status).status, 401) << "a key revoked through the API still answers";
  EXPECT_EQ(AsKey(read_key_, "GET", docs).status, 401);
  ASSERT_EQ(Call("DELETE", "/api/projects/" + project_).status, 200);
  EXPECT_EQ(AsKey(write_key_, "GET", status).status, 401) << "a deleted project's key still answers";
}

// The doc GET answers from the same cache, on the network thread when warm: a write,
// delete or revocation through this server shows on the very next request, and the cached
// answer is byte for byte the one the store path gives.
TEST_F(ApiTest, DocGetThroughTheCacheSeesEveryApiChangeAtOnce) {
  through_hook_cache_ = true;
  ASSERT_EQ(Call("PUT", Docs() + "/guides/a.md", R"({"content":"one"})").status, 201);
  const Request peek{"GET", Docs() + "/guides%2Fa.md", {{"x-api-key", read_key_}}, ""};
  EXPECT_FALSE(cached_api_.HandleCached(peek).has_value()) << "cold: left to a worker";
  Reply first = AsKey(read_key_, "GET", Docs() + "/guides/a.md");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body.at("content").as_string(), "one");
  auto warm = cached_api_.HandleCached(peek);
  ASSERT_TRUE(warm.has_value()) << "a doc read once is answered without the store";
  EXPECT_EQ(warm->status, 200);
  EXPECT_EQ(warm->body, api_.Handle(Request{"GET", Docs() + "/guides/a.md", {{"x-api-key", read_key_}}, ""}).body);
  EXPECT_EQ(warm->body, first.raw.body);

  // Unseen within the bound when the cache is not told (another server, no relay).
  SyncService elsewhere{*store_, clock_, SystemRandom(), *box_, NullEventSink()};
  ASSERT_TRUE(elsewhere.docs().Put(Caller::Admin(), project_, "guides/a.md", "elsewhere").has_value());
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/guides/a.md").body.at("content").as_string(), "one");

  ASSERT_EQ(Call("PUT", Docs() + "/guides/a.md", R"({"content":"two"})").status, 200);
  EXPECT_FALSE(cached_api_.HandleCached(peek).has_value()) << "the write dropped the cached doc";
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/guides/a.md").body.at("content").as_string(), "two");
  EXPECT_EQ(cached_api_.HandleCached(peek)->body.find("\"two\"") != std::string::npos, true);

  // Sub-routes and other projects' keys are never answered as the doc.
  EXPECT_FALSE(cached_api_.HandleCached(Request{"GET", Docs() + "/guides/a.md/history", {{"x-api-key", read_key_}}, ""})
                   .has_value());
  Reply other = Call("POST", "/api/projects", R"({"name":"other","repoUrl":"x"})");
  const std::string other_id(other.body.at("id").as_string());
  Reply other_created = Call("POST", "/api/projects/" + other_id + "/api-keys", R"({"name":"o","scope":"read"})");
  const std::string foreign_key(other_created.body.at("key").as_string());
  EXPECT_EQ(AsKey(foreign_key, "GET", Docs() + "/guides/a.md").status, 404);
  const Request foreign{"GET", Docs() + "/guides/a.md", {{"x-api-key", foreign_key}}, ""};
  auto refused = cached_api_.HandleCached(foreign);
  EXPECT_TRUE(!refused || refused->status == 404);

  EXPECT_EQ(Call("DELETE", Docs() + "/guides/a.md").status, 200);
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/guides/a.md").status, 404) << "a delete through the API was not seen";

  ASSERT_EQ(Call("PUT", Docs() + "/b.md", R"({"content":"b"})").status, 201);
  ASSERT_EQ(AsKey(read_key_, "GET", Docs() + "/b.md").status, 200);
  Reply keys = Call("GET", "/api/projects/" + project_ + "/api-keys");
  std::string read_id;
  for (const auto& k : keys.body.as_array()) {
    if (k.at("name").as_string() == "laptop") read_id = std::string(k.at("id").as_string());
  }
  ASSERT_EQ(Call("DELETE", "/api/projects/api-keys/" + read_id).status, 200);
  const Request revoked{"GET", Docs() + "/b.md", {{"x-api-key", read_key_}}, ""};
  auto after = cached_api_.HandleCached(revoked);
  EXPECT_TRUE(!after || after->status == 401) << "a revoked key was answered from memory";
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/b.md").status, 401) << "revocation is seen at once";
}

// The doc GET's answer kept in the cache is the store path's, byte for byte and header for
// header, for a text that needs every kind of escaping: formatted once per fill, it must
// not drift from the route it stands in for.
TEST_F(ApiTest, DocGetThroughTheCacheAnswersTheStorePathsBytes) {
  const std::string hostile = "quote \" backslash \\ slash / controls \x01\x1f\t\n\r del \x7f "
                              "non-ASCII \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 line sep \xe2\x80\xa8 end";
  const std::string body = json::serialize(json::object{{"content", hostile}});
  ASSERT_EQ(Call("PUT", Docs() + "/odd%20name%C3%A9.md", body).status, 201);
  const Request get{"GET", Docs() + "/odd%20name%C3%A9.md", {{"x-api-key", read_key_}}, ""};
  const Response from_store = api_.Handle(get);
  ASSERT_EQ(from_store.status, 200) << from_store.body;
  EXPECT_EQ(json::parse(from_store.body).at("content").as_string(), hostile);

  EXPECT_FALSE(cached_api_.HandleCached(get).has_value()) << "cold";
  const Response filled = cached_api_.Handle(get);  // the fill, on a worker in the server
  const auto kept = cached_api_.HandleCached(get);   // the hit, on the network thread
  ASSERT_TRUE(kept.has_value());
  for (const Response* r : {&filled, &*kept}) {
    EXPECT_EQ(r->status, from_store.status);
    EXPECT_EQ(r->headers, from_store.headers);
    EXPECT_EQ(r->body, from_store.body);
  }
  // A header that means one thing, sent twice, is never the cache's to answer: Handle
  // refuses it, warm cache or not.
  Request twice = get;
  twice.headers.emplace_back("if-match", "\"v1\"");
  twice.headers.emplace_back("if-match", "\"v2\"");
  EXPECT_FALSE(cached_api_.HandleCached(twice).has_value());
  EXPECT_EQ(cached_api_.Handle(twice).status, 400);
  // HEAD is answered as GET (the transport leaves the body out): the cache answers no
  // HEAD, and the API's answer to one is the GET's, with or without a cache.
  const Request head{"HEAD", get.target, get.headers, ""};
  EXPECT_FALSE(cached_api_.HandleCached(head).has_value());
  const Response head_cached = cached_api_.Handle(head);
  const Response head_plain = api_.Handle(head);
  for (const Response* r : {&head_cached, &head_plain}) {
    EXPECT_EQ(r->status, from_store.status);
    EXPECT_EQ(r->headers, from_store.headers);
    EXPECT_EQ(r->body, from_store.body);
  }
}

// A cache that keeps docs in another form than the doc GET's answer (an embedder's, or
// none given) is never sent as that answer: the route reads the store instead.
TEST_F(ApiTest, DocGetIgnoresACacheThatKeepsDocsInAnotherForm) {
  SyncService plain_sync{*store_, clock_, SystemRandom(), *box_, NullEventSink(), {},
                         {.hook_cache = HookCacheOptions{.max_staleness = std::chrono::hours(1)}}};
  Api plain_cached{plain_sync, nullptr, {.admin_token = kAdmin, .hook_cache = plain_sync.hook_cache()}};
  ASSERT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"one"})").status, 201);
  const Request get{"GET", Docs() + "/a.md", {{"x-api-key", read_key_}}, ""};
  ASSERT_TRUE(plain_sync.hook_cache()->GetDoc(Caller::Admin(), project_, "a.md").has_value());  // kept, as content
  EXPECT_FALSE(plain_cached.HandleCached(get).has_value());
  const Response answer = plain_cached.Handle(get);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, api_.Handle(get).body);
}

TEST_F(ApiTest, CredentialsAndScopes) {
  EXPECT_EQ(Call("GET", "/api/hook/status/" + project_, "", {}).status, 401);
  EXPECT_EQ(AsKey("sk_" + std::string(64, '0'), "GET", "/api/hook/status/" + project_).status, 401);
  EXPECT_EQ(Call("GET", "/api/projects", "", {{"authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(AsKey(read_key_, "PUT", Docs() + "/a.md", R"({"content":"x"})").status, 403);
  EXPECT_EQ(AsKey(write_key_, "PUT", Docs() + "/a.md", R"({"content":"x"})").status, 201);
  EXPECT_EQ(AsKey(write_key_, "POST", "/api/projects", R"({"name":"x","repoUrl":"y"})").status, 403);
  // A key of another project sees nothing of this one.
  Reply other = Call("POST", "/api/projects", R"({"name":"other","repoUrl":"x"})");
  const std::string other_id(other.body.at("id").as_string());
  EXPECT_EQ(AsKey(write_key_, "GET", "/api/hook/status/" + other_id).status, 404);
  EXPECT_EQ(AsKey(write_key_, "GET", "/api/projects/" + other_id + "/docs").status, 404);
  // A revoked key stops working at once.
  Reply keys = Call("GET", "/api/projects/" + project_ + "/api-keys");
  std::string read_id;
  for (const auto& k : keys.body.as_array()) {
    EXPECT_FALSE(k.as_object().contains("key")) << "listing shows a key";
    if (k.at("name").as_string() == "laptop") read_id = std::string(k.at("id").as_string());
  }
  EXPECT_EQ(Call("DELETE", "/api/projects/api-keys/" + read_id).status, 200);
  EXPECT_EQ(AsKey(read_key_, "GET", "/api/hook/status/" + project_).status, 401);
}

// A doc GET with a key runs the key check and the read in one store transaction; what
// it answers must not depend on that.
TEST_F(ApiTest, DocGetWithAKeyAnswersInTheUsualOrder) {
  ASSERT_EQ(Call("PUT", Docs() + "/guide.md", R"({"content":"# Guide"})").status, 201);
  Reply got = AsKey(read_key_, "GET", Docs() + "/guide.md");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.at("content").as_string(), "# Guide");
  EXPECT_EQ(got.Header("etag"), "\"v1\"");
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/missing.md").status, 404);
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/..%2Fsecret.md").status, 400);
  // Credentials are checked before the name: a bad key gets 401 whatever the name.
  const std::string bad = "sk_" + std::string(64, '0');
  for (const char* name : {"/guide.md", "/..%2Fsecret.md", "/%zz.md", "/missing.md"}) {
    Reply r = AsKey(bad, "GET", Docs() + name);
    EXPECT_EQ(r.status, 401) << name;
    EXPECT_EQ(r.body.at("message").as_string(), "invalid or revoked API key") << name;
  }
  // An admin token beside a key wins, as on every route.
  EXPECT_EQ(AsKey(bad, "GET", Docs() + "/guide.md", "", {{"authorization", "Bearer " + kAdmin}}).status, 200);
  EXPECT_EQ(AsKey(read_key_, "GET", Docs() + "/guide.md", "", {{"authorization", "Bearer wrong"}}).status, 401);
  Reply other = Call("POST", "/api/projects", R"({"name":"other","repoUrl":"x"})");
  const std::string other_docs = "/api/projects/" + std::string(other.body.at("id").as_string()) + "/docs";
  EXPECT_EQ(AsKey(read_key_, "GET", other_docs + "/guide.md").status, 404);
}

TEST_F(ApiTest, BadInputGets4xxAndChangesNothing) {
  Call("PUT", Docs() + "/a.md", R"({"content":"keep me"})");
  const std::string before = Snapshot();
  struct Case {
    std::string method, target, body;
    int status;
  };
  const std::string p = "/api/projects/" + project_;
  const std::vector<Case> cases = {
      {"PUT", Docs() + "/a.md", "{", 400},                                   // truncated JSON
      {"PUT", Docs() + "/a.md", "not json", 400},                            // malformed
      {"PUT", Docs() + "/a.md", "[]", 400},                                  // not an object
      {"PUT", Docs() + "/a.md", R"({"content":5})", 400},                     // wrong type
      {"PUT", Docs() + "/a.md", R"({})", 400},                               // missing field
      {"PUT", Docs() + "/a.md", R"({"content":"x","extra":1})", 400},        // unknown field
      {"PUT", Docs() + "/a.md", "{\"content\":\"\xff\"}", 400},             // invalid UTF-8
      {"PUT", Docs() + "/a.md", R"({"content":"nul\u0000byte"})", 400},      // NUL in content
      {"PUT", Docs() + "/a.md", R"({"content":"x","baseVersion":-1})", 400}, // out of range
      {"PUT", Docs() + "/../etc/passwd", R"({"content":"x"})", 400},         // traversal
      {"PUT", Docs() + "/%2E%2E%2Fetc%2Fpasswd", R"({"content":"x"})", 400}, // encoded traversal
      {"PUT", Docs() + "/%2Fabs.md", R"({"content":"x"})", 400},             // leading slash
      {"PUT", Docs() + "/a%5Cb.md", R"({"content":"x"})", 400},              // backslash
      {"PUT", Docs() + "/a%00b.md", R"({"content":"x"})", 400},              // NUL in name
      {"PUT", Docs() + "/a%0Ab.md", R"({"content":"x"})", 400},              // control char
      {"PUT", Docs() + "/a%zz.md", R"({"content":"x"})", 400},               // bad escape
      {"PUT", Docs() + "/" + std::string(256, 'a'), R"({"content":"x"})", 400},  // long segment
      {"PUT", Docs() + "/b.md", R"({"content":")" + std::string(1024 * 1024 + 1, 'x') + R"("})", 413},
      {"POST", p + "/lock", R"({"lockedBy":"a","ttlSeconds":0})", 400},      // TTL out of range
      {"POST", p + "/lock", R"({"lockedBy":"a","ttlSeconds":999999999})", 400},
      {"POST", p + "/lock", R"({"lockedBy":"a","ttlSeconds":"60"})", 400},
      {"POST", p + "/lock", R"({"lockedBy":""})", 400},
      {"POST", p + "/lock/extend", R"({"minutes":5,"ttlSeconds":60})", 400},
      {"POST", p + "/api-keys", R"({"name":"k","scope":"admin"})", 400},
      {"POST", "/api/projects", R"({"name":"n","repoUrl":"r","branch":"a..b"})", 400},
      {"POST", "/api/projects", R"({"name":"n","repoUrl":"r","docsPath":"../x"})", 400},
      {"PUT", p, R"({"name":123})", 400},
      {"POST", Docs() + "/a.md/revert", R"({"version":0})", 400},
      {"GET", Docs() + "/a.md/versions/0", "", 400},
      {"GET", Docs() + "/a.md/versions/99999999999999999999", "", 400},
      {"GET", "/api/nothing", "", 404},
      {"GET", "/elsewhere", "", 404},
      {"PATCH", Docs() + "/a.md", "", 405},
      {"POST", "/api/health", "", 405},
      {"DELETE", "/api/projects", "", 405},
      {"GET", "no-leading-slash", "", 400},
      {"PUT", Docs() + "/a.md", R"({"content":"x"})", 200},  // sanity: a valid write in the same list
  };
  for (const auto& c : cases) {
    if (c.status == 200) continue;
    Reply r = Call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target.substr(0, 80) << " " << c.body.substr(0, 60);
    if (r.body.is_object()) {
      EXPECT_EQ(r.body.at("statusCode").as_int64(), c.status);
      EXPECT_FALSE(r.body.at("message").as_string().empty());
    }
  }
  EXPECT_EQ(Snapshot(), before) << "a rejected request changed something";
  EXPECT_EQ(Call("GET", "/api/health").status, 200);
}

// Only a Bearer Authorization is this server's (the scheme in any case): a proxy in front
// that asks for its own password passes its Basic header on, and the key beside it counts.
TEST_F(ApiTest, AnAuthorizationOfAnotherSchemeLeavesTheKeyToCount) {
  const std::string status = "/api/hook/status/" + project_;
  Reply with_key = Call("GET", status, "", {{"authorization", "Basic dXNlcjpwYXNz"}, {"x-api-key", read_key_}});
  EXPECT_EQ(with_key.status, 200) << with_key.body;
  Reply alone = Call("GET", status, "", {{"authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(alone.status, 401);
  EXPECT_NE(std::string(alone.body.at("message").as_string()).find("Authorization: Bearer"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/projects", "", {{"authorization", "bearer " + kAdmin}}).status, 200);
  EXPECT_EQ(Call("GET", "/api/projects", "", {{"authorization", "Bearer wrong"}, {"x-api-key", read_key_}}).status, 401)
      << "a wrong admin token is refused even beside a key";
}

// /metrics off this machine takes the admin token in one Authorization only.
TEST_F(ApiTest, TheAdminTokenSentTwiceIsNoAdmins) {
  const Request once{"GET", "/metrics", {{"authorization", "Bearer " + kAdmin}}, ""};
  EXPECT_TRUE(api_.IsAdmin(once));
  const Request twice{"GET", "/metrics", {{"authorization", "Bearer " + kAdmin}, {"authorization", "Bearer x"}}, ""};
  EXPECT_FALSE(api_.IsAdmin(twice));
}

// What a refusal quotes of the request (a project id, a parameter's name) is answered as
// UTF-8, whatever bytes were sent: Call parses every body as JSON, which must be UTF-8.
TEST_F(ApiTest, ARefusalQuotingBytesThatAreNoUtf8AnswersValidJson) {
  const std::string replacement = "\xEF\xBF\xBD";
  Reply project = Call("GET", "/api/projects/%ff");
  EXPECT_EQ(project.status, 404);
  EXPECT_NE(std::string(project.body.at("message").as_string()).find("'" + replacement + "'"), std::string::npos)
      << project.body;
  Reply parameter = Call("GET", "/api/projects/" + project_ + "/docs?fields=meta&%ff=1");
  EXPECT_EQ(parameter.status, 400);
  EXPECT_NE(std::string(parameter.body.at("message").as_string()).find("'" + replacement + "'"), std::string::npos)
      << parameter.body;
}

// A TTL out of range is refused naming the limit that holds (ServiceOptions::max_lock_ttl,
// 24 h here), not a bound of the JSON reader; a force that is not "true" or "false" is
// refused rather than read as a release by token.
TEST_F(ApiTest, LockRequestsOutOfRangeNameTheLimitThatHolds) {
  const std::string p = "/api/projects/" + project_;
  for (const char* body : {R"({"lockedBy":"a","ttlSeconds":0})", R"({"lockedBy":"a","ttlSeconds":86401})"}) {
    Reply r = Call("POST", p + "/lock", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(std::string(r.body.at("message").as_string()).find("between 1 and 86400"), std::string::npos) << r.body;
  }
  ASSERT_EQ(Call("POST", p + "/lock", R"({"lockedBy":"a"})").status, 201);
  Reply minutes = Call("POST", p + "/lock/extend", R"({"minutes":0})");
  EXPECT_EQ(minutes.status, 400);
  EXPECT_NE(std::string(minutes.body.at("message").as_string()).find("between 1 and 1440"), std::string::npos)
      << minutes.body;
  for (const char* force : {"1", "TRUE", "yes"}) {
    Reply r = Call("DELETE", p + "/lock?force=" + std::string(force) + "&reason=x");
    EXPECT_EQ(r.status, 400) << force;
    EXPECT_EQ(r.body.at("message").as_string(), "force must be true or false");
  }
  EXPECT_EQ(Call("DELETE", p + "/lock?force=true&reason=x").status, 200);
}

TEST_F(ApiTest, ExpiredAndSupersededLockTokensAreRefused) {
  Reply first = Call("POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"alice","ttlSeconds":60})");
  const std::string old_token(first.body.at("token").as_string());
  clock_.Advance(std::chrono::minutes(2));
  auto old_headers = std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer " + kAdmin},
                                                                      {"x-lock-token", old_token}};
  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"x"})", old_headers).status, 423) << "expired token";
  Call("POST", "/api/projects/" + project_ + "/lock", R"({"lockedBy":"bob"})");
  EXPECT_EQ(Call("PUT", Docs() + "/a.md", R"({"content":"x"})", old_headers).status, 423) << "superseded token";
  EXPECT_EQ(Call("GET", Docs() + "/a.md").status, 404);
}

}  // namespace
}  // namespace libsync::web
