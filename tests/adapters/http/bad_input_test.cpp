// The bad-input catalogue, over a real socket: every request below is malformed, unauthorised
// or out of range. Each must get its 4xx status and the JSON error body, change nothing in
// the store, and leave the server answering /api/health. Over plain HTTP and over TLS.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sync_service.hpp"
#include "test_client.hpp"
#include "tls_test_client.hpp"

namespace libsync::web {
namespace {

const std::string kAdmin = "admin-token-for-the-catalogue";

struct Case {
  std::string name;
  std::string request;  // the exact bytes sent
  int status;
};

std::string Req(const std::string& method, const std::string& target, const std::string& headers,
                const std::string& body = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class BadInputTest : public ::testing::Test {
 protected:
  ServerOptions Options() {
    ServerOptions options;
    options.port = 0;
    options.access_log = false;
    options.events = &hub_;
    options.max_header_bytes = 8 * 1024;
    return options;
  }

  void SetUp() override {
    server_ = Server::Start(api_, Options()).value();
    const Caller admin = Caller::Admin();
    project_ = sync_.projects().Create(admin, {.name = "web", .repo_url = "x"})->id;
    other_ = sync_.projects().Create(admin, {.name = "other", .repo_url = "y"})->id;
    read_key_ = sync_.keys().Create(admin, project_, "dev")->plain_key;
    write_key_ = sync_.keys().Create(admin, project_, "lead", KeyScope::kWrite)->plain_key;
    other_key_ = sync_.keys().Create(admin, other_, "stranger", KeyScope::kWrite)->plain_key;
    auto revoked = sync_.keys().Create(admin, project_, "gone", KeyScope::kWrite).value();
    revoked_key_ = revoked.plain_key;
    EXPECT_TRUE(sync_.keys().Revoke(admin, revoked.key.id).ok());
    EXPECT_TRUE(sync_.docs().Put(admin, project_, "a.md", "keep me").has_value());
    // A lock whose token is superseded, and one that expired: both must be refused.
    expired_token_ = sync_.locks().Acquire(admin, other_, {.locked_by = "old", .ttl = std::chrono::seconds(60)})->token;
    clock_.Advance(std::chrono::minutes(2));
    superseded_token_ = sync_.locks().Acquire(admin, project_, {.locked_by = "first"})->token;
    EXPECT_TRUE(sync_.locks().ForceRelease(admin, project_, "handover").value());
    live_token_ = sync_.locks().Acquire(admin, project_, {.locked_by = "second"})->token;
  }
  void TearDown() override { server_->Stop(std::chrono::seconds(1)); }

  // Everything a rejected request could have changed.
  std::string Snapshot() {
    const Caller admin = Caller::Admin();
    std::string out;
    for (const std::string& p : {project_, other_}) {
      for (const Doc& d : sync_.docs().List(admin, p).value()) out += d.file_name + "=" + d.hash + ";";
      auto lock = sync_.locks().Get(admin, p).value();
      out += lock ? lock->locked_by + std::to_string(lock->fence) : "unlocked";
      out += "@" + std::to_string(sync_.events().Head(admin, p).value()) + "|";
      for (const ApiKey& k : sync_.keys().List(admin, p).value()) out += k.name + (k.is_active ? "+" : "-");
    }
    out += std::to_string(sync_.projects().List(admin)->size());
    return out;
  }

  std::vector<Case> Catalogue() {
    const std::string admin = "Authorization: Bearer " + kAdmin + "\r\n";
    const std::string write = "X-API-Key: " + write_key_ + "\r\n";
    const std::string read = "X-API-Key: " + read_key_ + "\r\n";
    const std::string p = "/api/projects/" + project_;
    const std::string docs = p + "/docs";
    const std::string token = "X-Lock-Token: " + live_token_ + "\r\n";
    auto put = [&](const std::string& target, const std::string& body, const std::string& extra = "") {
      return Req("PUT", target, admin + token + extra, body);
    };
    return {
        // JSON bodies
        {"truncated JSON", put(docs + "/a.md", "{\"content\":"), 400},
        {"malformed JSON", put(docs + "/a.md", "content=x"), 400},
        {"JSON array body", put(docs + "/a.md", "[]"), 400},
        {"empty body", put(docs + "/a.md", ""), 400},
        {"content of the wrong type", put(docs + "/a.md", R"({"content":5})"), 400},
        {"content missing", put(docs + "/a.md", R"({})"), 400},
        {"unknown field", put(docs + "/a.md", R"({"content":"x","owner":"me"})"), 400},
        {"invalid UTF-8", put(docs + "/a.md", "{\"content\":\"\xc3\x28\"}"), 400},
        {"NUL in content", put(docs + "/a.md", R"({"content":"a\u0000b"})"), 400},
        {"deeply nested JSON", put(docs + "/a.md", std::string(5000, '[') + std::string(5000, ']')), 400},
        {"number out of range", put(docs + "/a.md", R"({"content":"x","baseVersion":1e400})"), 400},
        {"negative baseVersion", put(docs + "/a.md", R"({"content":"x","baseVersion":-1})"), 400},
        {"duplicate key", put(docs + "/a.md", R"({"content":"safe","content":"evil"})"), 400},
        {"duplicate key after others", Req("POST", "/api/projects/" + other_ + "/lock", admin,
                                           R"({"lockedBy":"a","reason":"r","lockedBy":"b"})"), 400},
        {"duplicate key, escaped spelling", Req("POST", "/api/projects", admin,
                                                R"({"name":"n","repoUrl":"r","na\u006de":"m"})"), 400},
        {"NUL in a lock reason", Req("POST", "/api/projects/" + other_ + "/lock", admin,
                                     R"({"lockedBy":"a","reason":"a\u0000b"})"), 400},
        {"NUL in lockedBy", Req("POST", "/api/projects/" + other_ + "/lock", admin, R"({"lockedBy":"a\u0000"})"), 400},
        {"NUL in a force reason", Req("DELETE", p + "/lock?force=true&reason=a%00b", admin), 400},
        {"NUL in a key name", Req("POST", p + "/api-keys", admin, R"({"name":"k\u0000"})"), 400},
        {"NUL in a project name", Req("POST", "/api/projects", admin, R"({"name":"\u0000","repoUrl":"r"})"), 400},
        {"body over the limit", put(docs + "/b.md", R"({"content":")" + std::string(1200 * 1024, 'x') + "\"}"), 413},
        // fileNames
        {"traversal", put(docs + "/../../etc/passwd", R"({"content":"x"})"), 400},
        {"percent-encoded traversal", put(docs + "/%2e%2e%2fetc%2fpasswd", R"({"content":"x"})"), 400},
        {"encoded leading slash", put(docs + "/%2Fetc%2Fpasswd", R"({"content":"x"})"), 400},
        {"backslash", put(docs + "/a%5C..%5Cb.md", R"({"content":"x"})"), 400},
        {"NUL in fileName", put(docs + "/a%00.md", R"({"content":"x"})"), 400},
        {"control byte in fileName", put(docs + "/a%01.md", R"({"content":"x"})"), 400},
        {"invalid UTF-8 fileName", put(docs + "/a%C3%28.md", R"({"content":"x"})"), 400},
        {"broken percent escape", put(docs + "/a%G1.md", R"({"content":"x"})"), 400},
        {".git folder", put(docs + "/.git/config", R"({"content":"[core]\n\tfsmonitor = touch /tmp/x"})"), 400},
        {".git in another case", put(docs + "/.GiT/hooks/post-checkout", R"({"content":"x"})"), 400},
        {".git, NTFS short name", put(docs + "/git~1/config", R"({"content":"x"})"), 400},
        {".git, NTFS trailing dot", put(docs + "/.git./config", R"({"content":"x"})"), 400},
        {".git, HFS+ ignorable code point", put(docs + "/.g%E2%80%8Cit/config", R"({"content":"x"})"), 400},
        {"Windows device name", put(docs + "/nul.md", R"({"content":"x"})"), 400},
        {"Windows device name, nested", put(docs + "/a/COM1.txt", R"({"content":"x"})"), 400},
        {"trailing dot", put(docs + "/notes.", R"({"content":"x"})"), 400},
        {"trailing space", put(docs + "/notes%20", R"({"content":"x"})"), 400},
        {"Windows-reserved character", put(docs + "/a%3Cb%3E.md", R"({"content":"x"})"), 400},
        {"colon", put(docs + "/c%3A.md", R"({"content":"x"})"), 400},
        {"fileName segment over 255 bytes", put(docs + "/" + std::string(300, 'n') + ".md", R"({"content":"x"})"), 400},
        // HTTP itself
        {"garbage request line", "\x01\x02 not http\r\n\r\n", 400},
        {"unknown HTTP version", "GET /api/health HTTP/7.1\r\nHost: x\r\n\r\n", 400},
        {"NUL in a header", std::string("GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 45), 400},
        {"bad Content-Length", "PUT " + docs + "/a.md HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400},
        {"bad chunk size", "PUT " + docs + "/a.md HTTP/1.1\r\nHost: x\r\n" + admin +
                               "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
        {"oversized headers", "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'h') + "\r\n\r\n", 431},
        {"target without a leading slash", Req("GET", "api/health", ""), 400},
        {"unknown route", Req("GET", "/api/nothing/here", admin), 404},
        {"wrong method", Req("PATCH", docs + "/a.md", admin), 405},
        {"wrong method on health", Req("POST", "/api/health", ""), 405},
        // credentials and scope
        {"no credentials", Req("GET", p, ""), 401},
        {"wrong admin token", Req("GET", "/api/projects", "Authorization: Bearer " + std::string(32, 'z') + "\r\n"), 401},
        {"malformed Authorization", Req("GET", "/api/projects", "Authorization: Basic YTpi\r\n"), 401},
        {"unknown key", Req("GET", "/api/hook/status/" + project_, "X-API-Key: sk_" + std::string(64, '0') + "\r\n"), 401},
        {"revoked key", Req("GET", "/api/hook/status/" + project_, "X-API-Key: " + revoked_key_ + "\r\n"), 401},
        {"other project's key", Req("GET", "/api/hook/status/" + project_, "X-API-Key: " + other_key_ + "\r\n"), 404},
        {"read key on a write route", Req("PUT", docs + "/c.md", read + token, R"({"content":"x"})"), 403},
        {"key on an admin route", Req("POST", "/api/projects", write, R"({"name":"n","repoUrl":"r"})"), 403},
        {"key forcing a release", Req("DELETE", p + "/lock?force=true&reason=x", write), 403},
        {"a force release spelt 1", Req("DELETE", p + "/lock?force=1&reason=x", admin), 400},
        // locks
        {"write without the lock token", Req("PUT", docs + "/a.md", write, R"({"content":"x"})"), 423},
        {"superseded lock token", Req("PUT", docs + "/a.md", write + "X-Lock-Token: " + superseded_token_ + "\r\n",
                                      R"({"content":"x"})"), 423},
        {"expired lock token", Req("PUT", "/api/projects/" + other_ + "/docs/z.md",
                                   admin + "X-Lock-Token: " + expired_token_ + "\r\n", R"({"content":"x"})"), 423},
        {"acquire while held", Req("POST", p + "/lock", write, R"({"lockedBy":"third"})"), 409},
        {"extend with a stranger's token", Req("POST", p + "/lock/extend", write + "X-Lock-Token: lt_nope\r\n"), 409},
        {"TTL of zero", Req("POST", "/api/projects/" + other_ + "/lock", admin, R"({"lockedBy":"a","ttlSeconds":0})"), 400},
        {"TTL over the maximum", Req("POST", "/api/projects/" + other_ + "/lock", admin,
                                     R"({"lockedBy":"a","ttlSeconds":99999999})"), 400},
        {"TTL as a string", Req("POST", "/api/projects/" + other_ + "/lock", admin, R"({"lockedBy":"a","ttlSeconds":"9"})"), 400},
        {"stale If-Match", put(docs + "/a.md", R"({"content":"x"})", "If-Match: \"v9\"\r\n"), 412},
        {"event seq older than the log", Req("GET", p + "/events", read + "Last-Event-ID: 99999\r\n"), 410},
        {"a query parameter given twice", Req("GET", docs + "?fields=meta&limit=1&limit=1000", admin), 400},
        {"a misspelt paging parameter alone", Req("GET", docs + "?field=meta", admin), 400},
        // A header that means one thing, sent twice: a proxy may have acted on the other copy.
        {"an API key sent twice", Req("GET", docs + "?fields=meta", write + read), 400},
        {"an API key sent twice on a hook route", Req("GET", "/api/hook/status/" + project_, read + read), 400},
        {"an admin token sent twice", Req("GET", "/api/projects", admin + admin), 400},
        {"If-Match sent twice", put(docs + "/a.md", R"({"content":"x"})", "If-Match: \"v1\"\r\nIf-Match: \"v1\"\r\n"), 400},
        {"the lock token sent twice", put(docs + "/a.md", R"({"content":"x"})", token), 400},
        {"If-None-Match naming an ETag", put(docs + "/a.md", R"({"content":"x"})", "If-None-Match: \"v1\"\r\n"), 400},
        {"If-None-Match with a quoted star", put(docs + "/a.md", R"({"content":"x"})", "If-None-Match: \"*\"\r\n"), 400},
        {"a query parameter given twice, once encoded", Req("GET", docs + "?fields=meta&%66ields=meta", admin), 400},
    };
  }

  // `connect()` opens a new connection to the server under test (a Client, or a TlsClient).
  template <class Connect>
  void ExpectEveryCaseRefused(Connect connect) {
    const auto cases = Catalogue();
    ASSERT_GE(cases.size(), 40u);
    const std::string before = Snapshot();
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      auto client = connect();
      client->Send(c.request);
      const std::string reply = client->ReadResponse();
      ASSERT_EQ(StatusOf(reply), c.status) << reply.substr(0, 300);
      const std::string body = reply.substr(reply.find("\r\n\r\n") + 4);
      boost::system::error_code ec;
      const boost::json::value error = boost::json::parse(body, ec);
      ASSERT_FALSE(ec) << "error body is not JSON: " << body.substr(0, 200);
      EXPECT_EQ(error.at("statusCode").as_int64(), c.status);
      EXPECT_FALSE(error.at("message").as_string().empty());
      // Every refusal names its kind for programs, those of the transport itself too.
      ASSERT_TRUE(error.as_object().contains("code")) << body.substr(0, 200);
      EXPECT_FALSE(error.at("code").as_string().empty());
      EXPECT_EQ(body.find(kAdmin), std::string::npos) << "an error leaked the admin token";
      EXPECT_EQ(body.find(live_token_), std::string::npos) << "an error leaked the lock token";
      EXPECT_EQ(Snapshot(), before) << "the request changed something";
      EXPECT_EQ(StatusOf(connect()->Get("/api/health")), 200) << "server stopped answering";
    }
  }

  ManualClock clock_;
  std::unique_ptr<Store> store_ = MakeMemoryStore();
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub_;
  SyncService sync_{*store_, clock_, SystemRandom(), *box_, hub_};
  Api api_{sync_, nullptr, {.admin_token = kAdmin}};
  std::unique_ptr<Server> server_;
  std::string project_, other_, read_key_, write_key_, other_key_, revoked_key_;
  std::string expired_token_, superseded_token_, live_token_;
};

TEST_F(BadInputTest, EveryCaseGetsItsStatusAndErrorBodyAndChangesNothing) {
  ExpectEveryCaseRefused([&] {
    auto client = std::make_unique<Client>(server_->port());
    EXPECT_TRUE(client->connected());
    return client;
  });
}

TEST_F(BadInputTest, EveryCaseGetsItsStatusOverTlsToo) {
  TestPki pki;
  pki.Issue("server");
  ServerOptions options = Options();
  options.tls = pki.Files("server");
  auto tls = Server::Start(api_, options);
  ASSERT_TRUE(tls.has_value()) << tls.error().ToString();
  const TlsClient::Options trusting{.ca_file = pki.Path("ca.pem")};
  ExpectEveryCaseRefused([&] {
    auto client = std::make_unique<TlsClient>((*tls)->port(), trusting);
    EXPECT_TRUE(client->handshake_ok());
    return client;
  });
  (*tls)->Stop(std::chrono::seconds(1));
}

}  // namespace
}  // namespace libsync::web
