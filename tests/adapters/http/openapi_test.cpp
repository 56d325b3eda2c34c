// docs/openapi.yaml and the route table list the same operations, and every one of them is
// served: walked over a real server on loopback, none may fall through to "no such route" or 405.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

#include "../sql/temp_dir.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/http/server.hpp"
#include "libsync/memory/memory_store.hpp"
#include "routes/route_table.hpp"
#include "test_client.hpp"

namespace libsync::web {
namespace {

const std::string kAdmin = "admin-token-for-openapi-walk-0123";

struct Operation {
  std::string method;
  std::string path;
};

/// The paths and methods of the spec: paths are the two-space-indented keys under
/// `paths:`, methods the four-space-indented get/put/post/delete keys below them.
std::vector<Operation> ReadOperations(const std::string& file) {
  std::ifstream in(file);
  std::vector<Operation> ops;
  bool in_paths = false;
  std::string path;
  const std::regex path_line(R"(^  (/[^:]*):\s*$)");
  const std::regex method_line(R"(^    (get|put|post|delete):\s*$)");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("paths:", 0) == 0) {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_line)) {
      path = m[1];
    } else if (std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      ops.push_back({method, path});
    }
  }
  return ops;
}

std::string BodyFor(const Operation& op) {
  if (op.method == "POST" && op.path == "/api/projects") return R"({"name":"walk","repoUrl":"x"})";
  if (op.method == "PUT" && op.path == "/api/projects/{id}") return R"({"name":"renamed"})";
  if (op.path == "/api/projects/{id}/api-keys" && op.method == "POST") return R"({"name":"k"})";
  if (op.path == "/api/projects/{id}/docs/{fileName}" && op.method == "PUT") return R"({"content":"x"})";
  if (op.path.find("/revert") != std::string::npos) return R"({"version":1})";
  if (op.path == "/api/projects/{id}/lock" && op.method == "POST") return R"({"lockedBy":"walker"})";
  return "";
}

/// "/api/projects/{id}/docs/{fileName}" -> "/api/projects/:id/docs/:fileName".
std::string TableSpelling(std::string path) {
  static const std::regex parameter(R"(\{([A-Za-z]+)\})");
  return std::regex_replace(path, parameter, ":$1");
}

TEST(OpenApi, SpecAndRouteTableListTheSameOperations) {
  std::set<std::pair<std::string, std::string>> spec, table;
  for (const Operation& op : ReadOperations(LIBSYNC_OPENAPI_FILE)) spec.emplace(op.method, TableSpelling(op.path));
  for (const Route& route : RouteTable()) table.emplace(route.method, route.path);
  ASSERT_GT(spec.size(), 30u) << "the spec lost its paths";
  for (const auto& [method, path] : table) {
    EXPECT_TRUE(spec.contains({method, path})) << "not in openapi.yaml: " << method << " " << path;
  }
  for (const auto& [method, path] : spec) {
    EXPECT_TRUE(table.contains({method, path})) << "not in the route table: " << method << " " << path;
  }
}

TEST(OpenApi, EveryDocumentedOperationIsServed) {
  std::vector<Operation> ops = ReadOperations(LIBSYNC_OPENAPI_FILE);
  ASSERT_GT(ops.size(), 30u) << "the spec lost its paths";
  // Deletions last, the project's own deletion at the very end.
  std::stable_sort(ops.begin(), ops.end(), [](const Operation& a, const Operation& b) {
    const auto rank = [](const Operation& o) {
      if (o.method != "DELETE") return 0;
      return o.path == "/api/projects/{id}" ? 2 : 1;
    };
    return rank(a) < rank(b);
  });

  testing::TempDir dir;
  ASSERT_EQ(std::system(("git init -q --bare -b main " + dir.path() + "/remote.git").c_str()), 0);
  auto store = MakeMemoryStore();
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub;
  SyncService sync(*store, SystemClock(), SystemRandom(), *box, hub);
  auto remote = git::MakeGit2Remote({.cache_dir = dir.path() + "/cache"}).value();
  GitSyncService git_sync(sync.context(), *remote, {.allow_local_remotes = true});
  Api api(sync, &git_sync, {.admin_token = kAdmin});
  auto server = Server::Start(api, {.port = 0, .access_log = false, .events = &hub}).value();

  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "web", .repo_url = dir.path() + "/remote.git"})->id;
  ASSERT_TRUE(sync.docs().Put(admin, project, "a.md", "one").has_value());
  const auto key = sync.keys().Create(admin, project, "laptop", KeyScope::kRead).value();

  for (const Operation& op : ops) {
    std::string target = op.path;
    const auto replace = [&](const std::string& from, const std::string& to) {
      if (auto at = target.find(from); at != std::string::npos) target.replace(at, from.size(), to);
    };
    replace("{id}", project);
    replace("{fileName}", "a.md");
    replace("{keyId}", key.key.id);
    replace("{n}", "1");
    const bool hook = op.path.rfind("/api/hook/", 0) == 0;
    const std::string credentials = hook ? "X-API-Key: " + key.plain_key : "Authorization: Bearer " + kAdmin;
    const std::string body = BodyFor(op);
    Client c(server->port());
    c.Send(op.method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + credentials + "\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
    const std::string reply = ReadUntil(c, "\r\n\r\n");
    const int status = StatusOf(reply);
    EXPECT_NE(status, 0) << op.method << " " << op.path << ": no answer";
    EXPECT_NE(status, 405) << op.method << " " << op.path;
    EXPECT_EQ(reply.find("no such route"), std::string::npos) << op.method << " " << op.path << ": not served";
    EXPECT_LT(status, 500) << op.method << " " << op.path << "\n" << reply;
  }
  server->Stop(std::chrono::seconds(1));
}

}  // namespace
}  // namespace libsync::web
