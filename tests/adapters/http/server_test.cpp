// The Beast server on loopback: keep-alive, limits, timeouts, the connection cap, a slow
// store call that must not stall other connections, and a graceful stop.

#include "libsync/http/server.hpp"

#include <arpa/inet.h>
#include <sched.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <atomic>
#include <future>
#include <regex>
#include <thread>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/memory/memory_store.hpp"
#include "cpu_affinity.hpp"
#include "metrics.hpp"
#include "scheduler_slice.hpp"
#include "test_client.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

const std::string kAdmin = "admin-token-for-server-tests-012345";

/// A store whose next transaction sleeps when armed, standing in for a slow database.
class SlowStore final : public Store {
 public:
  explicit SlowStore(Store& inner) : inner_(inner) {}
  std::atomic<bool> armed{false};
  Status Transact(TxMode mode, const Work& work) override {
    if (armed.exchange(false)) std::this_thread::sleep_for(1s);
    return inner_.Transact(mode, work);
  }
  std::string_view Kind() const noexcept override { return inner_.Kind(); }

 private:
  Store& inner_;
};

/// A git remote whose every fetch takes a second and then fails, like an unreachable host.
class SlowGitRemote final : public GitRemote {
 public:
  Result<std::string> Fetch(const GitTarget&) override {
    std::this_thread::sleep_for(1s);
    return Status::Unavailable("remote timed out");
  }
  Result<std::string> RemoteHead(const GitTarget&) override { return Status::Unavailable("unused"); }
  Result<std::vector<GitFile>> ListTree(const GitTarget&, const std::string&, const std::string&, bool) override {
    return Status::Unavailable("unused");
  }
  Result<std::string> ReadBlob(const GitTarget&, const std::string&, std::size_t) override {
    return Status::Unavailable("unused");
  }
  Result<GitMerge> MergeFile(const std::string&, const std::string&, const std::string&) override {
    return Status::Unavailable("unused");
  }
  Result<std::string> Commit(const GitTarget&, const std::string&, const std::vector<GitChange>&, const std::string&,
                             const GitAuthor&) override {
    return Status::Unavailable("unused");
  }
  Status Push(const GitTarget&, const std::string&, const std::string&) override { return Status::Unavailable("unused"); }
  Status Forget(const std::string&) override { return Status::Ok(); }  // keeps nothing
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    options.access_log = false;
    options.events = &hub_;
    auto started = Server::Start(api_, options);
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    server_ = std::move(started).value();
    project_ = sync_.projects().Create(Caller::Admin(), {.name = "web", .repo_url = "x"})->id;
    key_ = sync_.keys().Create(Caller::Admin(), project_, "laptop")->plain_key;
  }
  void TearDown() override {
    if (server_) server_->Stop(1s);
  }
  std::string HookStatus() { return "/api/hook/status/" + project_; }
  std::string KeyHeader() { return "X-API-Key: " + key_ + "\r\n"; }

  std::unique_ptr<Store> memory_ = MakeMemoryStore();
  SlowStore store_{*memory_};
  std::unique_ptr<SecretBox> box_ = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  EventHub hub_;
  SyncService sync_{store_, SystemClock(), SystemRandom(), *box_, hub_};
  Api api_{sync_, nullptr, {.admin_token = kAdmin}};
  std::unique_ptr<Server> server_;
  std::string project_, key_;
};

TEST_F(ServerTest, ServesSeveralRequestsOnOneKeptAliveConnection) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    const std::string r = c.Get(HookStatus(), KeyHeader());
    EXPECT_EQ(StatusOf(r), 200) << r;
    EXPECT_NE(r.find("{\"locked\":false}"), std::string::npos) << r;
  }
  EXPECT_EQ(StatusOf(c.Get(HookStatus())), 401);
}

// A connection parses each request into the strings of the one before: nothing of an
// earlier request (a header, a body, chunked or not) may carry over into a later one.
TEST_F(ServerTest, NothingOfAnEarlierRequestCarriesOverOnAKeptAliveConnection) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  const std::string doc = "/api/projects/" + project_ + "/docs/a.md";
  const std::string admin = "Authorization: Bearer " + kAdmin + "\r\n";
  const std::string put = "PUT " + doc + " HTTP/1.1\r\nHost: t\r\n" + admin + "Content-Type: application/json\r\n";
  const std::string body = R"({"content":"first"})";
  c.Send(put + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(StatusOf(c.ReadResponse()), 201);
  // The same PUT without a body: the first one's is gone.
  c.Send(put + "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(StatusOf(c.ReadResponse()), 400);
  // A chunked body, then a GET with fewer headers and no credentials.
  c.Send(put + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"con\r\nf\r\ntent\":\"second\"}\r\n0\r\n\r\n");
  EXPECT_EQ(StatusOf(c.ReadResponse()), 200);
  EXPECT_EQ(StatusOf(c.Get(doc)), 401);
  const std::string r = c.Get(doc, admin);
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_NE(r.find("\"content\":\"second\""), std::string::npos) << r;
}

// Network threads poll a while after each burst of work (ServerOptions::idle_poll), then
// sleep: an idle server must cost no CPU, whatever the polling window.
TEST_F(ServerTest, IdlePollingEndsInSleepWhenNothingComes) {
  for (const auto poll : {std::chrono::microseconds(0), std::chrono::microseconds(2000)}) {
    StartServer({.network_threads = 2, .idle_poll = poll});
    Client c(server_->port());
    for (int i = 0; i < 20; ++i) ASSERT_EQ(StatusOf(c.Get(HookStatus(), KeyHeader())), 200);
    const auto cpu = [] {
      timespec t{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
      return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
    };
    std::this_thread::sleep_for(50ms);  // past the polling window
    const auto before = cpu();
    std::this_thread::sleep_for(500ms);
    EXPECT_LT(cpu() - before, 50ms) << "network threads kept running while idle (poll " << poll.count() << "us)";
    EXPECT_EQ(StatusOf(c.Get(HookStatus(), KeyHeader())), 200) << "and still answer after sleeping";
    server_->Stop(1s);
    server_.reset();
  }
}

/// The value of `field` (after its colon, trimmed) in each of this process's threads'
/// /proc `file` ("status", "sched").
std::vector<std::string> ThreadFields(const char* file, std::string_view field) {
  std::vector<std::string> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / file);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(field, 0) != 0) continue;
      const std::size_t value = line.find_first_not_of(" \t:", field.size());
      out.push_back(value == std::string::npos ? "" : line.substr(value));
    }
  }
  return out;
}

/// The CPUs of this process's threads that are bound to exactly one.
std::multiset<std::string> SingleCpuThreads() {
  std::multiset<std::string> out;
  for (const std::string& list : ThreadFields("status", "Cpus_allowed_list")) {
    if (list.find_first_of(",-") == std::string::npos) out.insert(list);
  }
  return out;
}

TEST_F(ServerTest, PinnedNetworkThreadsTakeACpuEach) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  if (CPU_COUNT(&allowed) < 2) GTEST_SKIP() << "one CPU: nothing to spread";
  const auto before = SingleCpuThreads();
  StartServer({.network_threads = 2, .pin_network_threads = true});
  auto pinned = SingleCpuThreads();
  for (const auto& cpu : before) pinned.erase(pinned.find(cpu));
  ASSERT_EQ(pinned.size(), 2u) << "network threads bound to one CPU each";
  EXPECT_NE(*pinned.begin(), *pinned.rbegin()) << "and to different ones";
  EXPECT_EQ(StatusOf(Client(server_->port()).Get(HookStatus(), KeyHeader())), 200);
  server_->Stop(1s);
  server_.reset();
  StartServer({.network_threads = 2});
  EXPECT_EQ(SingleCpuThreads(), before) << "not pinned unless asked";
}

/// Moves the calling thread to `cpu` (and only there).
void RunOn(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
}

/// Open connections per network thread, as /metrics tells them.
std::vector<int> ConnectionsPerThread(Client& c) {
  const std::string body = c.Get("/metrics");
  std::vector<int> open;
  const std::regex line(R"re(libsync_network_thread_connections\{thread="(\d+)"\} (\d+))re");
  for (std::sregex_iterator i(body.begin(), body.end(), line), end; i != end; ++i) open.push_back(std::stoi((*i)[2]));
  return open;
}

// A pinned server serves each connection on the network thread of the CPU its client
// sends from (the client's packets are received there), and a connection follows its
// client when the client moves, between two requests, without losing one.
TEST_F(ServerTest, ConnectionsAreServedOnTheirClientsCpu) {
  const std::vector<int> cpus = AllowedCpus();
  if (cpus.size() < 2) GTEST_SKIP() << "one CPU: nothing to choose";
  StartServer({.network_threads = 2, .pin_network_threads = true});  // thread i on cpus[i]
  std::thread([&] {
    RunOn(cpus[1]);
    Client a(server_->port()), b(server_->port()), c(server_->port());
    for (Client* client : {&a, &b, &c}) ASSERT_EQ(StatusOf(client->Get(HookStatus(), KeyHeader())), 200);
    EXPECT_EQ(ConnectionsPerThread(a), (std::vector<int>{0, 3}));
    RunOn(cpus[0]);
    Client d(server_->port());
    EXPECT_EQ(ConnectionsPerThread(d), (std::vector<int>{1, 3}));
    // a's client is on cpus[0] now. A connection notes where its client is as every 64th
    // request comes in and moves once that one is answered. a has answered two; 61 more
    // one by one, then ten in one write: the 64th is the first of them, so the move falls
    // among requests already read, which the connection must take along.
    for (int i = 0; i < 61; ++i) ASSERT_EQ(StatusOf(a.Get(HookStatus(), KeyHeader())), 200);
    EXPECT_EQ(ConnectionsPerThread(d), (std::vector<int>{1, 3})) << "not moved yet";
    std::string pipelined;
    for (int i = 0; i < 10; ++i) pipelined += "GET " + HookStatus() + " HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n";
    a.Send(pipelined);
    std::string answers;
    for (int i = 0; i < 50 && std::count(answers.begin(), answers.end(), '{') < 10; ++i) answers += a.ReadRaw(3s);
    const std::regex ok(R"(HTTP/1\.1 200 OK)");
    EXPECT_EQ(std::distance(std::sregex_iterator(answers.begin(), answers.end(), ok), std::sregex_iterator()), 10)
        << "every request answered once, across the move";
    EXPECT_EQ(ConnectionsPerThread(a), (std::vector<int>{2, 2})) << "a moved to its client's CPU";
    EXPECT_EQ(StatusOf(a.Get(HookStatus(), KeyHeader())), 200);
  }).join();
}

/// How many of this process's threads run with a scheduler slice of `slice`.
int ThreadsWithSlice(std::chrono::microseconds slice) {
  const auto fields = ThreadFields("sched", "se.slice");
  return static_cast<int>(std::count_if(fields.begin(), fields.end(), [&](const std::string& ns) {
    return std::stoll(ns) == std::chrono::nanoseconds(slice).count();
  }));
}

TEST_F(ServerTest, NetworkAndWorkerThreadsAskForTheSchedulerSliceGiven) {
  constexpr auto kSlice = std::chrono::microseconds(300);  // no thread has it by chance
  bool supported = false;
  std::thread([&] { supported = SetSchedulerSlice(kSlice) && ThreadsWithSlice(kSlice) == 1; }).join();
  if (!supported) GTEST_SKIP() << "this kernel keeps no per-thread slice (Linux < 6.12)";
  StartServer({.network_threads = 2, .scheduler_slice = kSlice, .worker_threads = 3});
  // Each thread sets its own as it starts.
  for (int i = 0; i < 100 && ThreadsWithSlice(kSlice) < 5; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(ThreadsWithSlice(kSlice), 5);
  Client c(server_->port());
  EXPECT_EQ(StatusOf(c.Get(HookStatus(), KeyHeader())), 200);
  server_->Stop(1s);
  server_.reset();
  StartServer({.network_threads = 2, .worker_threads = 3});
  EXPECT_EQ(ThreadsWithSlice(kSlice), 0) << "none asked for";
}

TEST_F(ServerTest, TheAccessLogHasMethodPathStatusAndTimeAndNoSecrets) {
  testing::internal::CaptureStderr();
  ServerOptions options;
  options.port = 0;
  options.events = &hub_;  // access_log stays on
  server_ = Server::Start(api_, options).value();
  project_ = sync_.projects().Create(Caller::Admin(), {.name = "web", .repo_url = "x"})->id;
  key_ = sync_.keys().Create(Caller::Admin(), project_, "laptop")->plain_key;
  Client c(server_->port());
  EXPECT_EQ(StatusOf(c.Get(HookStatus() + "?token=query-secret", KeyHeader())), 200);
  EXPECT_EQ(StatusOf(c.Get("/api/projects", "Authorization: Bearer " + kAdmin + "\r\n")), 200);
  EXPECT_EQ(StatusOf(c.Get("/api/projects/" + project_ + "/docs/missing.md", KeyHeader())), 404);
  // Event streams too, a refused one above all (a guessed ?token=, whose value stays out).
  Client guess(server_->port());
  EXPECT_EQ(StatusOf(guess.Get("/api/projects/" + project_ + "/events?token=sk_guess-secret")), 401);
  {
    Client stream(server_->port());
    stream.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n");
    EXPECT_EQ(StatusOf(ReadUntil(stream, "\r\n\r\n")), 200);
  }
  Client stale(server_->port());
  stale.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 99\r\n" + KeyHeader() +
             "\r\n");
  EXPECT_EQ(StatusOf(stale.ReadResponse()), 410);
  server_->Stop(1s);  // flushes the log
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_search(log, std::regex("GET /api/projects/" + project_ + "/events 401 [0-9]+us\n"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("GET /api/projects/" + project_ + "/events 200 [0-9]+us\n"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("GET /api/projects/" + project_ + "/events 410 [0-9]+us\n")))
      << "a seq the log no longer holds is logged as its 410: " << log;
  EXPECT_EQ(log.find("sk_guess-secret"), std::string::npos) << "a stream's ?token= is left out";
  EXPECT_TRUE(std::regex_search(log, std::regex("GET " + HookStatus() + " 200 [0-9]+us\n"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("GET /api/projects 200 [0-9]+us\n"))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("GET /api/projects/" + project_ + "/docs/missing.md 404 [0-9]+us\n")))
      << log;
  EXPECT_EQ(log.find("query-secret"), std::string::npos) << "queries are left out";
  EXPECT_EQ(log.find(key_), std::string::npos) << "keys are never logged";
  EXPECT_EQ(log.find(kAdmin), std::string::npos) << "tokens are never logged";
}

TEST_F(ServerTest, ABodyOverTheLimitGets413AndTheServerGoesOn) {
  StartServer({.max_body_bytes = 4096});
  Client c(server_->port());
  const std::string body = R"({"content":")" + std::string(8000, 'x') + R"("})";
  c.Send("PUT /api/projects/" + project_ + "/docs/a.md HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdmin +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string refused = c.ReadResponse();
  EXPECT_EQ(StatusOf(refused), 413);
  EXPECT_NE(refused.find("rather than \\\\u escapes"), std::string::npos) << "the hint for escaped text: " << refused;
  EXPECT_EQ(sync_.docs().Get(Caller::Admin(), project_, "a.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(StatusOf(Client(server_->port()).Get("/api/health")), 200);
}

// A client that asks to be told before it sends its body hears 100 Continue once its
// headers pass, and then the answer; one whose body would be over the limit hears 413
// before it sends anything.
TEST_F(ServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  StartServer({.max_body_bytes = 4096});
  const std::string head = "PUT /api/projects/" + project_ + "/docs/a.md HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           kAdmin + "\r\nExpect: 100-continue\r\nContent-Type: application/json\r\n";
  const std::string body = R"({"content":"asked first"})";
  Client c(server_->port());
  c.Send(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  const std::string interim = ReadUntil(c, "\r\n\r\n", 500ms);
  ASSERT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n") << "no interim answer within half a second";
  c.Send(body);
  EXPECT_EQ(StatusOf(c.ReadResponse()), 201);
  EXPECT_EQ(sync_.docs().Get(Caller::Admin(), project_, "a.md")->content, "asked first");

  Client big(server_->port());
  big.Send(head + "Content-Length: 8000\r\n\r\n");
  const std::string refused = big.ReadResponse();
  EXPECT_EQ(StatusOf(refused), 413) << refused.substr(0, 200);
  EXPECT_EQ(refused.find("100 Continue"), std::string::npos);
}

// HEAD is GET without the body (a load balancer's health check, curl -I): the same status
// and length, and the next answer on the connection starts right after the head. An event
// stream has no head to give.
TEST_F(ServerTest, HeadIsAnsweredAsGetWithoutTheBody) {
  StartServer();
  Client c(server_->port());
  const std::string get = c.Get("/api/health");
  ASSERT_EQ(StatusOf(get), 200);
  c.Send("HEAD /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = ReadUntil(c, "\r\n\r\n");
  EXPECT_EQ(StatusOf(head), 200) << head;
  EXPECT_EQ(HeaderOf(head, "content-length"), HeaderOf(get, "content-length"));
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), "") << "HEAD sent a body";
  EXPECT_EQ(StatusOf(c.Get("/api/projects/" + project_ + "/docs", KeyHeader())), 200) << "the connection goes on";
  Client stream(server_->port());
  stream.Send("HEAD /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n");
  const std::string refused = ReadUntil(stream, "\r\n\r\n");
  EXPECT_EQ(StatusOf(refused), 405) << refused;
  EXPECT_EQ(HeaderOf(refused, "allow"), "GET");
  // The hook sync records the key's pull: a HEAD, which sends no docs, is not one.
  Client pull(server_->port());
  pull.Send("HEAD /api/hook/sync/" + project_ + " HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n");
  const std::string not_a_pull = ReadUntil(pull, "\r\n\r\n");
  EXPECT_EQ(StatusOf(not_a_pull), 405);
  EXPECT_EQ(HeaderOf(not_a_pull, "allow"), "GET, POST") << "every method the path serves";
  for (const ApiKey& k : sync_.keys().List(Caller::Admin(), project_).value()) {
    EXPECT_FALSE(k.last_pulled_at.has_value()) << "a HEAD recorded a pull";
  }
}

TEST_F(ServerTest, OversizedHeadersGet431) {
  StartServer({.max_header_bytes = 2048});
  Client c(server_->port());
  const std::string r = c.Get("/api/health", "X-Junk: " + std::string(4096, 'j') + "\r\n");
  EXPECT_EQ(StatusOf(r), 431) << r.substr(0, 100);
  EXPECT_EQ(StatusOf(Client(server_->port()).Get("/api/health")), 200);
}

TEST_F(ServerTest, MalformedRequestsGet400) {
  StartServer();
  Client c(server_->port());
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(StatusOf(c.ReadResponse()), 400);
  Client d(server_->port());
  d.Send("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
  EXPECT_EQ(StatusOf(d.ReadResponse()), 400);
}

TEST_F(ServerTest, AClientSendingHeadersSlowlyIsCutOffWithoutHarmingOthers) {
  StartServer({.header_timeout = 300ms});
  Client slow(server_->port());
  slow.Send("GET /api/health HTTP/1.1\r\nHo");  // and then nothing
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(StatusOf(Client(server_->port()).Get("/api/health")), 200) << "others are served meanwhile";
  const std::string r = slow.ReadResponse(2000ms);
  EXPECT_TRUE(slow.closed()) << "the slow client was not disconnected";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(StatusOf(r), 0);
}

TEST_F(ServerTest, ASlowStoreCallDoesNotStallOtherConnections) {
  StartServer({.worker_threads = 4});
  store_.armed = true;  // the next transaction takes a second
  auto slow = std::async(std::launch::async, [&] {
    Client c(server_->port());
    return StatusOf(c.Get(HookStatus(), KeyHeader()));
  });
  std::this_thread::sleep_for(100ms);  // the slow request is now inside the store
  const auto start = std::chrono::steady_clock::now();
  Client fast(server_->port());
  EXPECT_EQ(StatusOf(fast.Get(HookStatus(), KeyHeader())), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms) << "a fast request waited for the slow one";
  EXPECT_EQ(slow.get(), 200);
}

// Git sync routes wait on the remote for as long as a transfer takes; they have workers of
// their own, so store requests never queue behind them.
TEST_F(ServerTest, SlowGitTransfersDoNotHoldUpStoreRequests) {
  SlowGitRemote remote;
  GitSyncService git(sync_.context(), remote);
  const Api api(sync_, &git, {.admin_token = kAdmin});
  auto started = Server::Start(api, {.port = 0, .worker_threads = 1, .git_threads = 1, .access_log = false});
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  const auto server = std::move(started).value();
  const std::string project =
      sync_.projects().Create(Caller::Admin(), {.name = "g", .repo_url = "https://git.example/x.git"})->id;
  EXPECT_TRUE(api.WaitsOnGitRemote({"POST", "/api/projects/" + project + "/docs/sync", {}, ""}));
  EXPECT_TRUE(api.WaitsOnGitRemote({"POST", "/api/projects/" + project + "/push", {}, ""}));
  EXPECT_TRUE(api.WaitsOnGitRemote({"POST", "/api/projects/" + project + "/docs/a/b.md/push", {}, ""}));
  EXPECT_FALSE(api.WaitsOnGitRemote({"GET", "/api/projects/" + project + "/docs/sync", {}, ""}));
  EXPECT_FALSE(api.WaitsOnGitRemote({"POST", "/api/projects/" + project + "/lock", {}, ""}));

  const std::string import = "POST /api/projects/" + project + "/docs/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                             kAdmin + "\r\nContent-Length: 0\r\n\r\n";
  std::vector<std::future<int>> imports;
  for (int i = 0; i < 2; ++i) {  // one on the git worker, one queued behind it
    imports.push_back(std::async(std::launch::async, [&] {
      Client c(server->port());
      c.Send(import);
      return StatusOf(c.ReadResponse(5000ms));
    }));
  }
  std::this_thread::sleep_for(100ms);  // the first import is now waiting on the remote
  const auto start = std::chrono::steady_clock::now();
  Client c(server->port());
  EXPECT_EQ(StatusOf(c.Get("/api/projects/" + project, "Authorization: Bearer " + kAdmin + "\r\n")), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms) << "a store request waited for a git transfer";
  for (auto& f : imports) EXPECT_EQ(f.get(), 503);
  server->Stop(1s);
}

TEST_F(ServerTest, ConnectionsOverTheCapGet503) {
  StartServer({.max_connections = 2});
  // Three addresses: one may hold only half the connections.
  Client a(server_->port(), "127.0.0.1"), b(server_->port(), "127.0.0.2");
  EXPECT_EQ(StatusOf(a.Get("/api/health")), 200);
  EXPECT_EQ(StatusOf(b.Get("/api/health")), 200);
  // Both busy, each in the middle of a request: none waits for one, so none makes room.
  for (Client* busy : {&a, &b}) busy->Send("PUT /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{");
  std::this_thread::sleep_for(100ms);
  Client c(server_->port(), "127.0.0.3");
  const std::string response = c.ReadResponse();
  EXPECT_EQ(StatusOf(response), 503);
  // The whole error body arrives, as long as Content-Length says.
  const std::string body = response.substr(response.find("\r\n\r\n") + 4);
  EXPECT_NE(body.find("\"message\":\"too many connections\""), std::string::npos) << response;
  EXPECT_EQ(body.back(), '}') << response;
}

TEST_F(ServerTest, StopLetsAnInFlightRequestFinish) {
  StartServer();
  store_.armed = true;
  auto in_flight = std::async(std::launch::async, [&] {
    Client c(server_->port());
    return StatusOf(c.Get(HookStatus(), KeyHeader()));
  });
  std::this_thread::sleep_for(200ms);
  server_->Stop(5s);
  EXPECT_EQ(in_flight.get(), 200);
  EXPECT_FALSE(Client(server_->port()).connected()) << "still accepting after Stop";
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndStatus) {
  StartServer();
  Client c(server_->port());
  EXPECT_EQ(StatusOf(c.Get(HookStatus(), KeyHeader())), 200);
  EXPECT_EQ(StatusOf(c.Get(HookStatus())), 401);
  const std::string body = c.Get("/metrics");  // loopback: no token needed
  EXPECT_EQ(StatusOf(body), 200) << body;
  EXPECT_NE(body.find(R"(libsync_http_requests_total{method="GET",route="/api/hook/status/:id",status="200"} 1)"),
            std::string::npos) << body;
  EXPECT_NE(body.find(R"(route="/api/hook/status/:id",status="401"} 1)"), std::string::npos);
  EXPECT_NE(body.find("libsync_http_request_duration_seconds_count 2"), std::string::npos);
  EXPECT_NE(body.find("libsync_open_connections 1"), std::string::npos);
  EXPECT_EQ(body.find(project_), std::string::npos) << "ids must not become labels";
}

TEST(Metrics, MethodLabelsAreAFixedSet) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("BREW"), "other");
}

TEST(Metrics, ClientsCannotMintNewSeries) {
  Metrics metrics;
  for (int i = 0; i < 100; ++i) {
    metrics.Record("M" + std::to_string(i), "/api/hook/h" + std::to_string(i) + "/p", 405, 0.001);
  }
  const std::string text = metrics.Render(0, 0);
  EXPECT_NE(text.find(R"(libsync_http_requests_total{method="other",route="unmatched",status="405"} 100)"),
            std::string::npos) << text;
  const std::string empty = Metrics().Render(0, 0);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), std::count(empty.begin(), empty.end(), '\n') + 1)
      << "one series for all of them";
}

// Threads count into shards of their own; what Render shows is every count, once.
TEST(Metrics, CountsFromManyThreadsAddUp) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {  // more threads than shards: some share one
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 1000; ++i) {
        metrics.Record("GET", "/api/hook/status/p", 200, 0.0001);
        if (t % 2 == 0) metrics.Record("POST", "/api/projects/p/lock", 201, 0.002);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = metrics.Render(3, 0);
  for (const char* line : {R"(libsync_http_requests_total{method="GET",route="/api/hook/status/:id",status="200"} 12000)",
                           R"(libsync_http_requests_total{method="POST",route="/api/projects/:id/lock",status="201"} 6000)",
                           "libsync_http_request_duration_seconds_bucket{le=\"0.0005\"} 12000\n",
                           "libsync_http_request_duration_seconds_count 18000\n", "libsync_lock_grants_total 6000\n",
                           "libsync_open_connections 3\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST_F(ServerTest, LiveEventsArriveOverServerSentEvents) {
  StartServer();
  Client c(server_->port());
  c.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n");
  const std::string head = ReadUntil(c, "\r\n\r\n");
  EXPECT_EQ(StatusOf(head), 200) << head;
  EXPECT_NE(head.find("text/event-stream"), std::string::npos);
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "a.md", "hello").has_value());
  const std::string all = ReadUntil(c, "a.md");
  EXPECT_NE(all.find("id: 1\nevent: doc:updated\ndata: {\"seq\":1,\"type\":\"doc:updated\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"fileName\":\"a.md\""), std::string::npos) << all;
  EXPECT_EQ(hub_.subscribers(), 1u);
}

TEST_F(ServerTest, AReconnectingSubscriberGetsWhatItMissedFirst) {
  StartServer();
  for (const char* name : {"a.md", "b.md", "c.md"}) {
    ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, name, "x").has_value());
  }
  Client c(server_->port());
  c.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 1\r\n" + KeyHeader() +
         "\r\n");
  const std::string got = ReadUntil(c, "id: 3\n");
  EXPECT_EQ(got.find("id: 1\n"), std::string::npos) << "replayed an event the client had";
  EXPECT_NE(got.find("id: 2\n"), std::string::npos) << got;
  EXPECT_NE(got.find("id: 3\n"), std::string::npos) << got;
  EXPECT_LT(got.find("id: 2\n"), got.find("id: 3\n"));
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "d.md", "x").has_value());
  EXPECT_NE(ReadUntil(c, "id: 4\n").find("id: 4\n"), std::string::npos) << "live after replay";
}

TEST_F(ServerTest, EventStreamsRefuseStaleSeqsAndStrangers) {
  StartServer();
  Client stale(server_->port());
  stale.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 99\r\n" +
             KeyHeader() + "\r\n");
  EXPECT_EQ(StatusOf(stale.ReadResponse()), 410);
  Client anonymous(server_->port());
  EXPECT_EQ(StatusOf(anonymous.Get("/api/projects/" + project_ + "/events")), 401);
  const std::string other = sync_.projects().Create(Caller::Admin(), {.name = "o", .repo_url = "x"})->id;
  Client stranger(server_->port());
  EXPECT_EQ(StatusOf(stranger.Get("/api/projects/" + other + "/events", KeyHeader())), 404);
  // Browsers pass the key as a query parameter.
  Client browser(server_->port());
  browser.Send("GET /api/projects/" + project_ + "/events?token=" + key_ + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(ReadUntil(browser, "\r\n\r\n")), 200);
}

TEST_F(ServerTest, IdleStreamsGetHeartbeatsAndClosedOnesAreDropped) {
  StartServer({.heartbeat_interval = 100ms});
  {
    Client c(server_->port());
    c.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n");
    EXPECT_NE(ReadUntil(c, ": keep-alive").find(": keep-alive"), std::string::npos);
    EXPECT_EQ(hub_.subscribers(), 1u);
  }
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (hub_.subscribers() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(hub_.subscribers(), 0u) << "a closed stream kept its subscription";
}

// --- WebSocket ----------------------------------------------------------------------

std::string Texts(const std::vector<WsFrame>& frames) {
  std::string all;
  for (const auto& f : frames) {
    if (f.opcode == 1) all += f.payload + "\n";
  }
  return all;
}

TEST_F(ServerTest, WebSocketReplaysFromSinceThenGoesLive) {
  StartServer();
  for (const char* name : {"a.md", "b.md", "c.md"}) {
    ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, name, "x").has_value());
  }
  Client c(server_->port());
  c.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=1", KeyHeader()));
  std::string head = ReadUntil(c, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 101) << head;
  EXPECT_NE(head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << "RFC 6455 accept key";
  std::string pending = head.substr(head.find("\r\n\r\n") + 4);
  auto frames = ReadWsFrames(c, pending, 2);
  std::string got = Texts(frames);
  EXPECT_EQ(got.find("\"seq\":1,"), std::string::npos) << "replayed an event before since";
  EXPECT_NE(got.find("{\"seq\":2,\"type\":\"doc:updated\""), std::string::npos) << got;
  EXPECT_LT(got.find("\"seq\":2,"), got.find("\"seq\":3,")) << got;
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "d.md", "x").has_value());
  got = Texts(ReadWsFrames(c, pending, 1));
  EXPECT_NE(got.find("\"seq\":4,"), std::string::npos) << "live after replay: " << got;
  EXPECT_NE(got.find("\"fileName\":\"d.md\""), std::string::npos) << got;
  EXPECT_EQ(hub_.subscribers(), 1u);
}

std::string Base64Url(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return out;
}

// A browser's WebSocket can set no header but Sec-WebSocket-Protocol: the secret travels
// there, not in the URL, and the answer names aitk.v1 without echoing the secret.
TEST_F(ServerTest, WebSocketTakesTheSecretAsASubprotocolAndAnswersAitkV1) {
  StartServer();
  const std::string auth = "aitk.auth." + Base64Url(key_);
  Client c(server_->port());
  c.Send(WebSocketUpgrade("/api/projects/" + project_ + "/events", "Sec-WebSocket-Protocol: aitk.v1, " + auth + "\r\n"));
  std::string head = ReadUntil(c, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 101) << head;
  head = head.substr(0, head.find("\r\n\r\n") + 4);
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: aitk.v1\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("aitk.auth"), std::string::npos) << head;
  std::string pending;
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "a.md", "x").has_value());
  EXPECT_NE(Texts(ReadWsFrames(c, pending, 1)).find("\"fileName\":\"a.md\""), std::string::npos);

  Client admin(server_->port());
  admin.Send(WebSocketUpgrade("/api/projects/" + project_ + "/events",
                              "Sec-WebSocket-Protocol: aitk.v1, aitk.auth." + Base64Url(kAdmin) + "\r\n"));
  EXPECT_EQ(StatusOf(ReadUntil(admin, "\r\n\r\n")), 101);
  const std::vector<std::string> refused_protocols = {"aitk.auth.!!!!", "aitk.auth.", "aitk.auth.QQ==",
                                                     "aitk.auth." + Base64Url("sk_wrong_key"),
                                                     "aitk.auth." + Base64Url("wrong-admin-token"),
                                                     // two secrets, the first good: none is picked
                                                     "aitk.auth." + Base64Url(kAdmin) + ", aitk.auth." + Base64Url("x")};
  for (const std::string& bad : refused_protocols) {
    Client refused(server_->port());
    refused.Send(WebSocketUpgrade("/api/projects/" + project_ + "/events",
                                  "Sec-WebSocket-Protocol: aitk.v1, " + bad + "\r\n"));
    EXPECT_EQ(StatusOf(refused.ReadResponse()), 401) << bad;
  }
  // The offer may span several lines, which are one list: a second secret on another line
  // is seen too.
  Client two_lines(server_->port());
  two_lines.Send(WebSocketUpgrade("/api/projects/" + project_ + "/events",
                                  "Sec-WebSocket-Protocol: aitk.v1, aitk.auth." + Base64Url(kAdmin) +
                                      "\r\nSec-WebSocket-Protocol: aitk.auth." + Base64Url("x") + "\r\n"));
  EXPECT_EQ(StatusOf(two_lines.ReadResponse()), 401);
}

TEST_F(ServerTest, WebSocketHandshakesAreRefusedLikeAnyRequest) {
  StartServer();
  // A seq the log no longer holds is the one refusal told after the upgrade, as close
  // code 4410, since a browser cannot read a refused handshake's status
  // (EventReplay.AWebSocketSeqPastTheHeadIsClosedWith4410).
  Client stale(server_->port());
  stale.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=99", KeyHeader()));
  const std::string head = ReadUntil(stale, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 101) << head;
  std::string pending = head.substr(head.find("\r\n\r\n") + 4);
  const auto frames = ReadWsFrames(stale, pending, 1, 3s);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, 8);
  Client anonymous(server_->port());
  anonymous.Send(WebSocketUpgrade("/api/events?projectId=" + project_));
  EXPECT_EQ(StatusOf(anonymous.ReadResponse()), 401);
  Client no_project(server_->port());
  no_project.Send(WebSocketUpgrade("/api/events", KeyHeader()));
  EXPECT_EQ(StatusOf(no_project.ReadResponse()), 400);
  Client bad_since(server_->port());
  bad_since.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=-3", KeyHeader()));
  EXPECT_EQ(StatusOf(bad_since.ReadResponse()), 400);
  // Browsers cannot set headers on a WebSocket: the key rides in the query.
  Client browser(server_->port());
  browser.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&token=" + key_));
  EXPECT_EQ(StatusOf(ReadUntil(browser, "\r\n\r\n")), 101);
  EXPECT_EQ(StatusOf(Client(server_->port()).Get(HookStatus(), KeyHeader())), 200) << "still serving";
}

TEST_F(ServerTest, IdleWebSocketsArePingedAndSilentPeersDropped) {
  StartServer({.heartbeat_interval = 100ms});
  Client c(server_->port());
  c.Send(WebSocketUpgrade("/api/events?projectId=" + project_, KeyHeader()));
  std::string head = ReadUntil(c, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 101) << head;
  std::string pending = head.substr(head.find("\r\n\r\n") + 4);
  // This client never answers the pings, so after 2 x 100 ms without a pong it is cut off.
  const auto frames = ReadWsFrames(c, pending, 1, 1500ms);
  EXPECT_TRUE(std::any_of(frames.begin(), frames.end(), [](const WsFrame& f) { return f.opcode == 9; }))
      << "no ping on an idle stream";
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (hub_.subscribers() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(hub_.subscribers(), 0u) << "a peer that answers no ping kept its subscription";
}

TEST_F(ServerTest, SubscribersOverTheCapGet503) {
  StartServer({.max_subscribers = 1});
  Client first(server_->port());
  first.Send(WebSocketUpgrade("/api/events?projectId=" + project_, KeyHeader()));
  ASSERT_EQ(StatusOf(ReadUntil(first, "\r\n\r\n")), 101);
  Client second(server_->port());
  second.Send("GET /api/projects/" + project_ + "/events HTTP/1.1\r\nHost: x\r\n" + KeyHeader() + "\r\n");
  EXPECT_EQ(StatusOf(second.ReadResponse()), 503);
}

}  // namespace
}  // namespace libsync::web
