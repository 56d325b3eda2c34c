// The route table is the one place a route is known: every entry has its own metrics label,
// 405 answers list the table's methods for the path, unknown paths are 404, the fast paths'
// string tests cover exactly their entries, and each entry's Access is what the core enforces.

#include "routes/route_table.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "metrics.hpp"
#include "routes/route_match.hpp"
#include "target.hpp"

namespace libsync::web {
namespace {

const std::string kAdmin = "admin-token-for-route-table-0123";

/// A concrete target for a template: every parameter replaced by `values`' entry.
std::string Concrete(std::string_view path, const std::string& id, const std::string& key_id = "k1") {
  std::string out(path);
  const std::pair<std::string, std::string> values[] = {
      {":keyId", key_id}, {":id", id}, {":fileName", "guides/a.md"}, {":n", "1"}};
  for (const auto& [from, to] : values) {
    if (auto at = out.find(from); at != std::string::npos) out.replace(at, from.size(), to);
  }
  return out;
}

/// A body the route's handler accepts, so that the use case (and its access check) is reached.
std::string BodyFor(const Route& route) {
  const std::pair<std::string_view, std::string_view> bodies[] = {
      {"POST /api/projects", R"({"name":"n","repoUrl":"https://x/n.git"})"},
      {"PUT /api/projects/:id", R"({"name":"renamed"})"},
      {"POST /api/projects/:id/api-keys", R"({"name":"k"})"},
      {"PUT /api/projects/:id/docs/:fileName", R"({"content":"x"})"},
      {"POST /api/projects/:id/docs/:fileName/revert", R"({"version":1})"},
      {"POST /api/projects/:id/lock", R"({"lockedBy":"walker"})"},
  };
  const std::string key = std::string(route.method) + " " + std::string(route.path);
  for (const auto& [operation, body] : bodies) {
    if (operation == key) return std::string(body);
  }
  return "";
}

TEST(RouteTable, EveryEntryIsLabelledWithItsTemplate) {
  for (const Route& route : RouteTable()) {
    EXPECT_EQ(RouteLabel(route.method, Concrete(route.path, "p1") + "?x=1"), route.path) << route.method;
  }
  // The event streams were once left out of the labels.
  EXPECT_EQ(RouteLabel("GET", "/api/events?projectId=p"), "/api/events");
  EXPECT_EQ(RouteLabel("GET", "/api/projects/p/events"), "/api/projects/:id/events");
}

TEST(RouteTable, LabelsFollowTheEntryThatAnswers) {
  // A raw path ending in a doc's sub-route is that sub-route for every method; the doc of
  // that name is the path with the '/' sent as %2F, and one segment alone is a doc.
  EXPECT_EQ(RouteLabel("GET", "/api/projects/p/docs/a/b/c/d/e/f/g/h/history"),
            "/api/projects/:id/docs/:fileName/history");
  EXPECT_EQ(RouteLabel("PUT", "/api/projects/p/docs/a.md/history"), "/api/projects/:id/docs/:fileName/history");
  EXPECT_EQ(RouteLabel("PUT", "/api/projects/p/docs/a.md%2Fhistory"), "/api/projects/:id/docs/:fileName");
  EXPECT_EQ(RouteLabel("GET", "/api/projects/p/docs/history"), "/api/projects/:id/docs/:fileName");
  // A wrong method keeps the path's label; anything a client invents maps onto "unmatched".
  EXPECT_EQ(RouteLabel("PATCH", "/api/projects/p/lock"), "/api/projects/:id/lock");
  EXPECT_EQ(RouteLabel("GET", "/api/whatever/abc"), "unmatched");
  EXPECT_EQ(RouteLabel("GET", "/api/hook/x1/abc"), "unmatched");
  EXPECT_EQ(RouteLabel("GET", "/api/projects/p/zz"), "unmatched");
  EXPECT_EQ(RouteLabel("GET", "relative"), "unmatched");
}

TEST(RouteTable, EachMethodAndPathIsListedOnce) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const Route& route : RouteTable()) {
    EXPECT_TRUE(seen.emplace(route.method, route.path).second) << route.method << " " << route.path;
    EXPECT_NE(route.handler, nullptr) << route.path;
    const auto files = route.path.find(":fileName");
    EXPECT_TRUE(files == std::string_view::npos || route.path.find(":fileName", files + 1) == std::string_view::npos);
  }
}

// The network thread rules requests out with a string test before it looks at the table;
// those tests must cover every entry that needs them.
TEST(RouteTable, FastPathPrefiltersCoverTheirEntries) {
  for (const Route& route : RouteTable()) {
    if (route.cached) {
      EXPECT_TRUE(std::any_of(kCachedRoutePrefixes.begin(), kCachedRoutePrefixes.end(),
                              [&](std::string_view prefix) { return route.path.starts_with(prefix); }))
          << route.path;
      EXPECT_EQ(route.method, "GET") << route.path;
    }
    if (route.Has(kEventStream)) {
      EXPECT_TRUE(route.path.ends_with(kEventStreamSuffix)) << route.path;
      EXPECT_EQ(route.method, "GET") << route.path;
    }
    if (route.Has(kGitSync)) {
      EXPECT_EQ(route.method, "POST") << route.path;
    }
  }
}

// Which of two values counts is a matter a proxy and this server could disagree on, as
// with a JSON body's repeated key: a parameter given twice is refused, by its decoded name.
TEST(ParseTarget, RefusesAQueryParameterGivenTwice) {
  for (const std::string_view target : {"/api/x?limit=1&limit=2", "/api/x?limit=1&%6cimit=1", "/api/x?a&a"}) {
    auto twice = ParseTarget(target);
    ASSERT_FALSE(twice.has_value()) << target;
    EXPECT_EQ(twice.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(twice.error().message().find("is given twice"), std::string::npos) << twice.error().message();
  }
  auto once = ParseTarget("/api/x?limit=1&after=a%2Fb");
  ASSERT_TRUE(once.has_value());
  EXPECT_EQ(once->query.at("after"), "a/b");
  EXPECT_EQ(once->query.size(), 2u);
}

TEST(PathSegments, SplitsAsParseTargetDoes) {
  for (const std::string_view target : {"/", "/api", "/api/", "//", "/a//b", "/api/projects/p?x=1", "/a/b/c/"}) {
    const auto segments = PathSegments::Split(target);
    const auto parsed = ParseTarget(target);
    ASSERT_TRUE(segments && parsed) << target;
    EXPECT_TRUE(std::ranges::equal(segments->view(), parsed->segments)) << target;
  }
  EXPECT_FALSE(PathSegments::Split("relative"));
  std::string deep = "/api";
  for (int i = 0; i < 40; ++i) deep += "/x";
  EXPECT_FALSE(PathSegments::Split(deep)) << "deeper than the buffer: the caller falls back to ParseTarget";
  EXPECT_TRUE(MatchTarget("GET", "/api/projects/p/docs" + deep + "/history", GitRoutes::kAbsent));
}

class RouteTableApi : public ::testing::Test {
 protected:
  Response Call(std::string_view method, const std::string& target,
                std::vector<std::pair<std::string, std::string>> headers, const std::string& body = "") {
    return api_.Handle({std::string(method), target, std::move(headers), body});
  }
  Response AsAdmin(const std::string& method, const std::string& target, const std::string& body = "") {
    return Call(method, target, {{"authorization", "Bearer " + kAdmin}}, body);
  }
  static std::string AllowOf(const Response& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "allow") return value;
    }
    return "(none)";
  }

  void SetUp() override {
    project_ = sync_.projects().Create(Caller::Admin(), {.name = "web", .repo_url = "https://x/web.git"})->id;
    read_key_ = sync_.keys().Create(Caller::Admin(), project_, "laptop", KeyScope::kRead).value();
    write_key_ = sync_.keys().Create(Caller::Admin(), project_, "ci", KeyScope::kWrite).value();
  }

  std::unique_ptr<Store> store_ = MakeMemoryStore();
  RecordingEventSink sink_;
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync_{*store_, SystemClock(), SystemRandom(), *box_, sink_};
  Api api_{sync_, nullptr, {.admin_token = kAdmin}};
  std::string project_;
  CreatedApiKey read_key_, write_key_;
};

TEST_F(RouteTableApi, WrongMethodIs405WithTheMethodsServedOnThePath) {
  const std::string p = "/api/projects/" + project_;
  const std::pair<std::string, std::string> cases[] = {
      {p + "/lock", "GET, HEAD, POST, DELETE"},
      {"/api/projects", "GET, HEAD, POST"},
      {p, "GET, HEAD, PUT, DELETE"},
      {p + "/docs", "GET, HEAD"},
      {p + "/docs/a.md", "GET, HEAD, PUT, DELETE"},
      {p + "/docs/a.md/revert", "POST"},  // a.md's revert alone; the doc "a.md/revert" is a.md%2Frevert
      {p + "/docs/a.md%2Frevert", "GET, HEAD, PUT, DELETE"},
      {p + "/lock/extend", "POST"},
      {"/api/hook/sync/" + project_, "GET, POST"},  // a HEAD would record a pull of docs never sent
      {"/api/health", "GET, HEAD"},
  };
  for (const auto& [target, allow] : cases) {
    const Response r = AsAdmin("PATCH", target);
    EXPECT_EQ(r.status, 405) << target;
    EXPECT_EQ(AllowOf(r), allow) << target;
  }
}

TEST_F(RouteTableApi, UnknownPathsAre404) {
  for (const std::string target : {"/", "/api", "/api/nope", "/api/projects/p/zz", "/api/hook/x1/abc",
                                   "/api/hook/status/p/extra", "/apix/health"}) {
    const Response r = AsAdmin("GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(AllowOf(r), "(none)") << target;
  }
  // The transport's own routes are not Handle's to serve, with or without credentials.
  EXPECT_EQ(Call("GET", "/api/projects/" + project_ + "/events", {}).status, 404);
  EXPECT_EQ(Call("GET", "/metrics", {}).status, 404);
  // Without a GitSyncService the git routes are not there at all.
  EXPECT_EQ(AsAdmin("POST", "/api/projects/" + project_ + "/push").status, 404);
}

// Sub-route words as doc names: "history" alone is a doc. A raw path ending in a doc's
// sub-route (`guides/history`, `a.md/versions/3`, `notes/revert`, `notes/push`) names that
// sub-route for every method, and a method it lacks is 405, never the doc of that name:
// one URL does not mean two things. The doc is the same path with that '/' sent as %2F,
// for every method.
TEST_F(RouteTableApi, DocsNamedLikeSubRoutesStayReachable) {
  const std::string docs = "/api/projects/" + project_ + "/docs";
  EXPECT_EQ(AsAdmin("PUT", docs + "/history", R"({"content":"plain"})").status, 201);
  const Response plain = AsAdmin("GET", docs + "/history");
  EXPECT_EQ(plain.status, 200);
  EXPECT_NE(plain.body.find(R"("content":"plain")"), std::string::npos) << plain.body;

  EXPECT_EQ(AsAdmin("PUT", docs + "/a.md", R"({"content":"one"})").status, 201);
  // a.md is a doc, so no doc may be named a.md/…: it would need a.md as a folder too.
  const Response folder = AsAdmin("PUT", docs + "/a.md%2Fhistory", R"({"content":"nested"})");
  EXPECT_EQ(folder.status, 400);
  EXPECT_NE(folder.body.find("a file and a folder at once"), std::string::npos) << folder.body;
  // (This Api has no git sync, so `…/push` is no route here, and `notes/push` a doc.)
  for (const std::string tail : {"/guides/history", "/guides/versions/3", "/notes/revert"}) {
    for (const std::string method : {"PUT", "DELETE", "GET", "POST"}) {
      const Response r = AsAdmin(method, docs + tail, R"({"content":"nested"})");
      if (r.status == 405) {
        EXPECT_NE(r.body.find("%2F"), std::string::npos) << r.body;
      } else {  // the sub-route's own method, about the doc "guides" or "notes": not there
        EXPECT_TRUE(r.status == 404 || r.status == 400) << method << " " << tail << ": " << r.status << r.body;
      }
    }
  }
  for (const std::string name : {"guides%2Fhistory", "guides%2Fversions%2F3", "notes%2Frevert"}) {
    EXPECT_EQ(AsAdmin("GET", docs + "/" + name).status, 404) << name << ": no request above wrote it";
  }
  EXPECT_EQ(AsAdmin("PUT", docs + "/guides%2Fhistory", R"({"content":"nested"})").status, 201);
  const Response nested = AsAdmin("GET", docs + "/guides%2Fhistory");
  EXPECT_EQ(nested.status, 200);
  EXPECT_NE(nested.body.find(R"("fileName":"guides/history")"), std::string::npos) << nested.body;
  EXPECT_EQ(AsAdmin("GET", docs + "/guides/history").status, 404) << "the history of the doc 'guides'";
  EXPECT_EQ(AsAdmin("DELETE", docs + "/guides%2Fhistory").status, 200);
  const Response history = AsAdmin("GET", docs + "/a.md/history");
  EXPECT_EQ(history.status, 200);
  EXPECT_EQ(history.body.front(), '[') << "the history of a.md: " << history.body;
  EXPECT_EQ(AsAdmin("GET", docs + "/sync").status, 404) << "GET of a doc named sync, not the import";
  EXPECT_EQ(AsAdmin("GET", docs + "/a.md/versions/0").status, 400) << "versions count from 1";
  // Only digits make a version number: a folder named "versions" holds docs like any other.
  EXPECT_EQ(AsAdmin("GET", docs + "/a.md/versions/x").status, 404) << "the doc a.md/versions/x, not there";
  EXPECT_EQ(AsAdmin("PUT", docs + "/api/versions/v2.md", R"({"content":"v2"})").status, 201);
  const Response v2 = AsAdmin("GET", docs + "/api/versions/v2.md");
  EXPECT_EQ(v2.status, 200);
  EXPECT_NE(v2.body.find(R"("fileName":"api/versions/v2.md")"), std::string::npos) << v2.body;
  EXPECT_EQ(AsAdmin("DELETE", docs + "/api/versions/v2.md").status, 200);
}

// Access states what the core's use case enforces: a read key is refused every write-key and
// admin route, a write key every admin route (403), and kAnyone needs no credentials.
TEST_F(RouteTableApi, AccessIsWhatTheCoreEnforces) {
  for (const Route& route : RouteTable()) {
    // A webhook's credential is its signature, which the core checks (git_webhook_test.cpp).
    if (route.Has(kGitSync) || route.Has(kEventStream) || route.Has(kTransportOnly) || route.Has(kWebhook)) continue;
    const std::string target = Concrete(route.path, project_, read_key_.key.id);
    if (route.access == Access::kAnyone) {
      EXPECT_EQ(Call(route.method, target, {}).status, 200) << route.path;
      continue;
    }
    EXPECT_EQ(Call(route.method, target, {}).status, 401) << route.method << " " << route.path;
    const auto as = [&](const CreatedApiKey& key) {
      return Call(route.method, target, {{"x-api-key", key.plain_key}}, BodyFor(route)).status;
    };
    if (route.access == Access::kWriteKey || route.access == Access::kAdmin) {
      EXPECT_EQ(as(read_key_), 403) << route.method << " " << route.path;
    } else {
      EXPECT_NE(as(read_key_), 403) << route.method << " " << route.path;
    }
    if (route.access == Access::kAdmin) {
      EXPECT_EQ(as(write_key_), 403) << route.method << " " << route.path;
    } else {
      EXPECT_NE(as(write_key_), 403) << route.method << " " << route.path;
    }
  }
}

}  // namespace
}  // namespace libsync::web
