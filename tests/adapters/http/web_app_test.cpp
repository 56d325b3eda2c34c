// The web app served by the Beast server over loopback: `/` and the listed assets with
// their cache classes, precompressed siblings by Accept-Encoding, ETag and 304, the
// security headers on every answer, and no request ever reaching a file the manifest does
// not list (traversal, encoded dots, double encoding, backslashes, NUL, symlinks).

#include "libsync/http/web_app.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/memory_store.hpp"
#include "test_client.hpp"

namespace libsync::web {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kAdmin = "admin-token-for-web-app-tests-0123";
const std::string kIndex = "<!doctype html><title>app</title><script type=module src=/assets/app-ABC123.js></script>";
const std::string kScript = "console.log('the app');";
const std::string kHash = "961dd8565385740addc53a2e02a72d281aaff10c084a9e08e836794a1f1a113e";
const std::string kIndexHash = "5deeda1a44ce8ee333f013587a33be9c54915a671a0917751671b4df93571566";

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

/// A built app as web/build.mjs writes one: two files, each with `.gz` and `.br` beside it
/// (their bytes stand in for the compressed text; the server sends them as they are).
fs::path MakeDist(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("libsync-web-app-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  Write(dir / "index.html", kIndex);
  Write(dir / "index.html.gz", "GZIP:index");
  Write(dir / "index.html.br", "BROTLI:index");
  Write(dir / "assets/app-ABC123.js", kScript);
  Write(dir / "assets/app-ABC123.js.gz", "GZIP:app");
  Write(dir / "assets/app-ABC123.js.br", "BROTLI:app");
  Write(dir / "manifest.json",
        R"({"files":[{"path":"/assets/app-ABC123.js","type":"text/javascript; charset=utf-8","sha256":")" + kHash +
            R"(","cache":"immutable"},{"path":"/index.html","type":"text/html; charset=utf-8","sha256":")" +
            kIndexHash + R"(","cache":"no-cache"}]})");
  return dir;
}

std::string BodyOf(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

class WebAppTest : public ::testing::Test {
 protected:
  void StartServer(const WebApp* app) {
    api_ = std::make_unique<Api>(sync_, nullptr, ApiOptions{.admin_token = kAdmin, .web_app = app});
    auto started = Server::Start(*api_, {.port = 0, .access_log = false});
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    server_ = std::move(started).value();
  }
  void StartWithApp() {
    auto app = WebApp::Load(dist_.string());
    ASSERT_TRUE(app.has_value()) << app.error().ToString();
    app_ = std::move(app).value();
    StartServer(app_.get());
  }
  void TearDown() override {
    if (server_) server_->Stop(1s);
    fs::remove_all(dist_);
  }
  std::string Get(const std::string& target, const std::string& headers = "") {
    Client c(server_->port());
    return c.Get(target, headers);
  }
  void ExpectSecurityHeaders(const std::string& r) {
    const std::string csp = HeaderOf(r, "content-security-policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << r;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << r;
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << r;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << r;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << r;
    EXPECT_EQ(HeaderOf(r, "x-content-type-options"), "nosniff") << r;
    EXPECT_EQ(HeaderOf(r, "referrer-policy"), "no-referrer") << r;
  }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub_;
  SyncService sync_{*store_, SystemClock(), SystemRandom(), *box_, hub_};
  fs::path dist_ = MakeDist(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::unique_ptr<const WebApp> app_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<Server> server_;
};

TEST_F(WebAppTest, RootIsTheAppsPageRevalidatedEveryTime) {
  StartWithApp();
  const std::string r = Get("/");
  ASSERT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), kIndex);
  EXPECT_EQ(HeaderOf(r, "content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "cache-control"), "no-cache");
  EXPECT_EQ(HeaderOf(r, "etag"), "\"" + kIndexHash.substr(0, 32) + "\"");
  EXPECT_EQ(HeaderOf(r, "vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(r, "content-encoding"), "(absent)");
  ExpectSecurityHeaders(r);
  // A query string does not change the page.
  EXPECT_EQ(BodyOf(Get("/?from=mail")), kIndex);
  EXPECT_EQ(BodyOf(Get("/index.html")), kIndex);
}

TEST_F(WebAppTest, HashedAssetsAreCachedForGood) {
  StartWithApp();
  const std::string r = Get("/assets/app-ABC123.js");
  ASSERT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), kScript);
  EXPECT_EQ(HeaderOf(r, "content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "cache-control"), "public, max-age=31536000, immutable");
  ExpectSecurityHeaders(r);
}

TEST_F(WebAppTest, ThePrecompressedSiblingIsChosenByAcceptEncoding) {
  StartWithApp();
  const std::string js = "/assets/app-ABC123.js";
  const std::string br = Get(js, "Accept-Encoding: gzip, deflate, br\r\n");
  EXPECT_EQ(BodyOf(br), "BROTLI:app");
  EXPECT_EQ(HeaderOf(br, "content-encoding"), "br");
  EXPECT_EQ(HeaderOf(br, "vary"), "Accept-Encoding");
  const std::string gzip = Get(js, "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(BodyOf(gzip), "GZIP:app");
  EXPECT_EQ(HeaderOf(gzip, "content-encoding"), "gzip");
  // Each representation has its own ETag.
  EXPECT_NE(HeaderOf(gzip, "etag"), HeaderOf(br, "etag"));
  // Refused by q=0, the next acceptable coding is sent, and identity when none is left.
  EXPECT_EQ(BodyOf(Get(js, "Accept-Encoding: br;q=0, gzip;q=0.5\r\n")), "GZIP:app");
  EXPECT_EQ(BodyOf(Get(js, "Accept-Encoding: br;q=0, gzip;q=0\r\n")), kScript);
  EXPECT_EQ(BodyOf(Get(js, "Accept-Encoding: identity\r\n")), kScript);
  EXPECT_EQ(BodyOf(Get(js, "Accept-Encoding: *\r\n")), "BROTLI:app");
  EXPECT_EQ(BodyOf(Get("/", "Accept-Encoding: gzip\r\n")), "GZIP:index");
}

TEST_F(WebAppTest, AnUnchangedFileIsAnswered304) {
  StartWithApp();
  const std::string first = Get("/assets/app-ABC123.js", "Accept-Encoding: gzip\r\n");
  const std::string etag = HeaderOf(first, "etag");
  Client c(server_->port());
  const std::string again = c.Get("/assets/app-ABC123.js", "Accept-Encoding: gzip\r\nIf-None-Match: " + etag + "\r\n");
  EXPECT_EQ(StatusOf(again), 304) << again;
  EXPECT_EQ(BodyOf(again), "");
  EXPECT_EQ(HeaderOf(again, "etag"), etag);
  EXPECT_EQ(HeaderOf(again, "content-length"), "(absent)");
  ExpectSecurityHeaders(again);
  // The connection goes on after a 304 (no body was expected, none was sent).
  EXPECT_EQ(StatusOf(c.Get("/")), 200);
  // Another representation's tag, or an old one, gets the file.
  EXPECT_EQ(StatusOf(Get("/assets/app-ABC123.js", "If-None-Match: " + etag + "\r\n")), 200);
  EXPECT_EQ(StatusOf(Get("/", "If-None-Match: \"0123\", W/\"" + kIndexHash.substr(0, 32) + "\"\r\n")), 304);
}

TEST_F(WebAppTest, NoPathLeavesTheAppsOwnFiles) {
  // Files beside and above the app that a path must never reach.
  Write(dist_ / "secret.txt", "root:x:0:0 beside the app");
  Write(dist_.parent_path() / "libsync-web-app-outside.txt", "root:x:0:0 outside the app");
  StartWithApp();
  for (const std::string target : {
           "/../../../../etc/passwd", "/assets/../../../../etc/passwd", "/assets/../index.html",
           "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/%2E%2E/etc/passwd", "/assets/%2e%2e/secret.txt",
           "/assets/%252e%252e/secret.txt", "/%252e%252e%252fetc%252fpasswd", "/..%2f..%2fetc%2fpasswd",
           "/assets%2fapp-ABC123.js", "/assets\\..\\secret.txt", "/..\\..\\etc\\passwd", "/index.html%00",
           "/assets/app-ABC123.js%00.txt", "/secret.txt", "/manifest.json", "/index.html.gz",
           "/assets/app-ABC123.js.br", "/assets/", "/assets", "//etc/passwd", "/./index.html",
           "/../libsync-web-app-outside.txt", "/etc/passwd", "/projects/p1", "/index.htm"}) {
    const std::string r = Get(target);
    EXPECT_EQ(StatusOf(r), 404) << target << "\n" << r;
    EXPECT_EQ(r.find("root:"), std::string::npos) << target;
    EXPECT_EQ(r.find("GZIP:"), std::string::npos) << target;
    ExpectSecurityHeaders(r);
  }
  fs::remove(dist_.parent_path() / "libsync-web-app-outside.txt");
}

TEST_F(WebAppTest, ASymlinkInTheAppsDirectoryIsNeverServed) {
  // Unlisted: placed beside the app's files after the build.
  fs::create_symlink("/etc/passwd", dist_ / "passwd");
  fs::create_symlink("/etc", dist_ / "etc");
  StartWithApp();
  for (const std::string target : {"/passwd", "/etc/passwd", "/etc/hostname"}) {
    const std::string r = Get(target);
    EXPECT_EQ(StatusOf(r), 404) << target;
    EXPECT_EQ(r.find("root:"), std::string::npos) << target;
  }
}

TEST_F(WebAppTest, AListedFileThatIsASymlinkStopsTheLoad) {
  // A listed asset replaced by a symlink to /etc/passwd: not followed, and the app is not loaded.
  fs::remove(dist_ / "assets/app-ABC123.js");
  fs::create_symlink("/etc/passwd", dist_ / "assets/app-ABC123.js");
  auto app = WebApp::Load(dist_.string());
  ASSERT_FALSE(app.has_value());
  EXPECT_EQ(app.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(app.error().message().find("symlink"), std::string::npos) << app.error().message();
  // The same through a symlinked directory on the way.
  const fs::path other = MakeDist("other");
  fs::rename(dist_ / "assets", other / "real-assets");
  fs::create_symlink(other / "real-assets", dist_ / "assets");
  fs::remove(dist_ / "assets/app-ABC123.js");
  Write(dist_ / "assets/app-ABC123.js", kScript);
  EXPECT_FALSE(WebApp::Load(dist_.string()).has_value());
  // And a sibling: the compressed copy sent to most browsers.
  const fs::path third = MakeDist("third");
  fs::remove(third / "index.html.br");
  fs::create_symlink("/etc/passwd", third / "index.html.br");
  EXPECT_FALSE(WebApp::Load(third.string()).has_value());
  fs::remove_all(other);
  fs::remove_all(third);
}

TEST_F(WebAppTest, AManifestNamingAPathOutsideIsRefused) {
  for (const std::string path : {"/../../etc/passwd", "/assets/../index.html", "/a\\\\b", "assets/x.js", "/a//b",
                                 "/%2e%2e/x", "/./index.html"}) {
    Write(dist_ / "manifest.json", R"({"files":[{"path":")" + path +
                                       R"(","type":"text/plain","sha256":"00","cache":"no-cache"}]})");
    auto app = WebApp::Load(dist_.string());
    EXPECT_FALSE(app.has_value()) << path;
  }
  fs::remove(dist_ / "manifest.json");
  auto missing = WebApp::Load(dist_.string());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(WebAppTest, OnlyGetAndHeadReadTheApp) {
  StartWithApp();
  Client c(server_->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 405) << r;
  EXPECT_EQ(HeaderOf(r, "allow"), "GET, HEAD");
}

// HEAD gets GET's head (its length and validators) and no body: the next answer on the
// same connection starts right after it.
TEST_F(WebAppTest, HeadAnswersAsGetWithoutTheBody) {
  StartWithApp();
  Client c(server_->port());
  c.Send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = ReadUntil(c, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 200) << head;
  EXPECT_EQ(HeaderOf(head, "content-length"), std::to_string(kIndex.size()));
  EXPECT_EQ(HeaderOf(head, "etag"), "\"" + kIndexHash.substr(0, 32) + "\"");
  ExpectSecurityHeaders(head);
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "") << "HEAD sent a body";
  c.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string next = c.ReadResponse();
  EXPECT_EQ(StatusOf(next), 200) << next;
  EXPECT_EQ(BodyOf(next), kIndex);
}

TEST_F(WebAppTest, TheApiIsUnchangedBesideTheApp) {
  StartWithApp();
  EXPECT_EQ(StatusOf(Get("/api/health")), 200);
  const std::string unknown = Get("/api/no-such-route");
  EXPECT_EQ(StatusOf(unknown), 404);
  EXPECT_NE(unknown.find("no such route"), std::string::npos) << unknown;
  EXPECT_EQ(StatusOf(Get("/api/projects")), 401);
  EXPECT_EQ(StatusOf(Get("/api/projects", "Authorization: Bearer " + kAdmin + "\r\n")), 200);
  // /metrics lies outside /api/ but is the route table's: another method is its 405.
  Client c(server_->port());
  c.Send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const std::string metrics = c.ReadResponse();
  EXPECT_EQ(StatusOf(metrics), 405) << metrics;
  EXPECT_EQ(HeaderOf(metrics, "allow"), "GET");
}

TEST_F(WebAppTest, WithoutTheAppRootIs404AndTheApiServes) {
  StartServer(nullptr);
  const std::string r = Get("/");
  EXPECT_EQ(StatusOf(r), 404) << r;
  EXPECT_EQ(r.find("<!doctype"), std::string::npos);
  EXPECT_EQ(StatusOf(Get("/assets/app-ABC123.js")), 404);
  EXPECT_EQ(StatusOf(Get("/api/health")), 200);
  EXPECT_EQ(StatusOf(Get("/api/projects", "Authorization: Bearer " + kAdmin + "\r\n")), 200);
}

}  // namespace
}  // namespace libsync::web
