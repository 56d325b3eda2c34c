// The server's write path and live fan-out, measured over loopback against the same work
// done in process, in one run:
//   1. lock acquire+release through HTTP (one keep-alive client) vs the same cycle called
//      on the services directly, both on one SQLite file, set up as aitk-server sets up
//      a file of its own;
//   2. 64 clients racing acquire/release on one project: every answer must be 201, 200 or
//      409 (the original platform answered 43% of these with 500), and the
//      grants' fences must rise in the order their answers arrived; p50 and p99 of a request;
//   3. fan-out: N WebSocket subscribers (default 1000) on one project; the time from sending
//      a doc PUT to each subscriber's receipt of its event (the PUT's commit included).
// Usage: http_events_bench [seconds per case] [subscribers] [in-process|http]
//   With a third argument, only that side's lock cycle runs, once, so a profiler or strace
//   attached to the process sees one side's work alone (docs/performance.md).
// Run through `tests/bench/run.sh events` (Release); the test suite runs a short smoke.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/hook_cache.hpp"
#include "libsync/http/server.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"
#include "scheduler_slice.hpp"

namespace libsync {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kAdmin = "bench-admin-token-0123456789";
constexpr int kStoreThreads = 2;  // aitk-server's --threads on SQLite with 2 cores
constexpr std::chrono::microseconds kSchedulerSlice{100};  // aitk-server's --sched-slice-us

// A blocking keep-alive HTTP client on one socket.
class Connection {
 public:
  explicit Connection(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fd_ = -1;
  }
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  int fd() const { return fd_; }
  bool Send(const std::string& data) { return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()); }

  /// One response: status and body (Content-Length framing). Status 0 when the peer closed.
  std::pair<int, std::string> Read() {
    for (;;) {
      const auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = buffer_.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos || cl > end ? 0 : std::stoul(buffer_.substr(cl + 16));
        if (buffer_.size() >= end + 4 + length) {
          const int status = std::stoi(buffer_.substr(9, 3));
          std::string body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return {status, std::move(body)};
        }
      }
      char chunk[16384];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {0, ""};
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::pair<int, std::string> Call(const std::string& method, const std::string& target,
                                   const std::string& headers = "", const std::string& body = "") {
    Send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdmin + "\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return Read();
  }

  std::string buffer_;

 private:
  int fd_ = -1;
};

std::string TokenOf(const std::string& body) {
  const auto at = body.find("\"token\":\"");
  return at == std::string::npos ? "" : body.substr(at + 9, body.find('"', at + 9) - at - 9);
}

struct Setup {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("libsync-events-bench-" + std::to_string(getpid()));
  std::unique_ptr<Store> store;
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  web::EventHub hub;
  std::unique_ptr<SyncService> sync;
  std::unique_ptr<web::Api> api;
  std::unique_ptr<web::Server> server;
  std::string project;

  Setup() {
    std::filesystem::create_directories(dir);
    // The store and threads as aitk-server sets them up on a SQLite file of its own
    // (examples/server/main.cpp) on this 2-core machine: the file held exclusively, SQLite's
    // per-call connection mutex off, two pooled connections and two workers, two pinned
    // network threads and 100 us scheduler slices. Both sides run on this one store.
    sql::UseUnlockedSqliteConnections();
    store = sql::OpenSqlStore({.url = "sqlite://" + (dir / "bench.db").string(),
                               .pool_size = kStoreThreads,
                               .sqlite_exclusive = true})
                .value();
    sync = std::make_unique<SyncService>(*store, SystemClock(), SystemRandom(), *box, hub, ServiceOptions{},
                                         EventPathOptions{.hook_cache = HookCacheOptions{}});
    api = std::make_unique<web::Api>(*sync, nullptr, web::ApiOptions{.admin_token = kAdmin, .hook_cache = sync->hook_cache()});
    // The caps follow the open file limit, so raise it before the server starts.
    web::RaiseOpenFileLimit();
    server = StartServer();
    project = sync->projects().Create(Caller::Admin(), {.name = "bench", .repo_url = "x"})->id;
  }

  std::unique_ptr<web::Server> StartServer() {
    web::ServerOptions options;
    options.port = 0;
    options.access_log = false;  // aitk-server's default is on: lines gathered per thread, written in blocks
    options.events = &hub;
    options.max_connections = 8192;
    options.network_threads = 2;
    options.pin_network_threads = true;
    options.scheduler_slice = kSchedulerSlice;
    options.worker_threads = kStoreThreads;
    // Every fan-out subscriber is the admin, from one address: the per-client caps that
    // keep one client from taking every stream would otherwise cut the benchmark short
    // (and its connections count against the per-address cap until their handshakes are
    // answered, which on a loaded machine took longer than 1,000 connects).
    options.max_connections_per_address = 4096;
    options.max_subscribers = 20000;
    options.max_streams_per_address = 10000;
    options.max_streams_per_credential = 10000;
    return web::Server::Start(*api, options).value();
  }
  ~Setup() {
    server->Stop(std::chrono::seconds(2));
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double InProcessCycles(Setup& s, double seconds) {
  double rate = 0;
  // On a thread scheduled as the server's are (the HTTP client keeps the main thread's
  // default): on a loaded machine the short slice decides how soon a thread runs again
  // after its commit's fsync, on either side.
  std::thread loop([&] {
    web::SetSchedulerSlice(kSchedulerSlice);
    const Caller admin = Caller::Admin();
    std::size_t n = 0;
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    const auto start = Clock::now();
    while (Clock::now() < end) {
      auto grant = s.sync->locks().Acquire(admin, s.project, {.locked_by = "bench"});
      if (!grant) std::abort();
      auto released = s.sync->locks().Release(admin, s.project, grant->token);
      if (!released || !*released) std::abort();
      ++n;
    }
    rate = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
  });
  loop.join();
  return rate;
}

double HttpCycles(Setup& s, const web::Server& server, double seconds) {
  Connection c(server.port());
  const std::string lock = "/api/projects/" + s.project + "/lock";
  std::size_t n = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  while (Clock::now() < end) {
    auto [status, body] = c.Call("POST", lock, "", R"({"lockedBy":"bench"})");
    if (status != 201) std::abort();
    auto released = c.Call("DELETE", lock, "X-Lock-Token: " + TokenOf(body) + "\r\n");
    if (released.first != 200) std::abort();
    ++n;
  }
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

// Every answer's status is counted, and every request's time from sending to its answer;
// the fences of the grants must rise in the order the grants were made (checked below).
void RacingClients(Setup& s, const web::Server& server, double seconds, int clients) {
  std::mutex mutex;
  std::map<int, std::size_t> statuses;
  std::vector<double> latencies_ms;
  std::vector<std::pair<Clock::time_point, long long>> fences;  // (answer received, fence)
  std::vector<std::thread> threads;
  const std::string lock = "/api/projects/" + s.project + "/lock";
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      Connection c(server.port());
      std::map<int, std::size_t> mine;
      std::vector<double> my_latencies;
      std::vector<std::pair<Clock::time_point, long long>> my_fences;
      auto timed = [&](auto&& call) {
        const auto sent = Clock::now();
        auto answer = call();
        my_latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        ++mine[answer.first];
        return answer;
      };
      while (Clock::now() < end) {
        auto [status, body] = timed([&] { return c.Call("POST", lock, "", R"({"lockedBy":"client)" + std::to_string(i) + "\"}"); });
        if (status != 201) continue;
        const auto at = body.find("\"fence\":");
        my_fences.emplace_back(Clock::now(), at == std::string::npos ? -1 : std::stoll(body.substr(at + 8)));
        const std::string unlock_header = "X-Lock-Token: " + TokenOf(body) + "\r\n";
        timed([&] { return c.Call("DELETE", lock, unlock_header); });
      }
      std::lock_guard guard(mutex);
      for (auto [k, v] : mine) statuses[k] += v;
      latencies_ms.insert(latencies_ms.end(), my_latencies.begin(), my_latencies.end());
      fences.insert(fences.end(), my_fences.begin(), my_fences.end());
    });
  }
  for (auto& t : threads) t.join();
  std::size_t total = 0, bad = 0;
  std::string line;
  for (auto [k, v] : statuses) {
    total += v;
    if (k != 200 && k != 201 && k != 409) bad += v;
    line.append(" ").append(std::to_string(k)).append(":").append(std::to_string(v));
  }
  // One holder at a time: a grant is answered only after the previous holder's release
  // was, so grants sorted by when their answers arrived carry strictly rising fences.
  std::sort(fences.begin(), fences.end());
  std::size_t out_of_order = 0;
  for (std::size_t i = 1; i < fences.size(); ++i) out_of_order += fences[i].second <= fences[i - 1].second;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1))];
  };
  std::printf("| %d clients racing acquire/release | %zu responses |%s | other than 201/200/409: %zu | "
              "p50 %.2f ms, p99 %.2f ms | fences out of order: %zu |\n",
              clients, total, line.c_str(), bad, pct(0.5), pct(0.99), out_of_order);
  if (bad > 0 || out_of_order > 0) std::exit(1);
}

void FanOut(Setup& s, int subscribers) {
  std::vector<std::unique_ptr<Connection>> subs;
  for (int i = 0; i < subscribers; ++i) {
    auto c = std::make_unique<Connection>(s.server->port());
    c->Send("GET /api/events?projectId=" + s.project + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Authorization: Bearer " + kAdmin + "\r\n\r\n");
    subs.push_back(std::move(c));
  }
  for (auto& c : subs) {  // every handshake answered before the event
    std::string head;
    char ch;
    while (head.find("\r\n\r\n") == std::string::npos && recv(c->fd(), &ch, 1, 0) == 1) head += ch;
    if (head.rfind("HTTP/1.1 101", 0) != 0) {
      std::printf("subscriber refused: %s\n", head.substr(0, 40).c_str());
      return;
    }
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (s.hub.subscribers() < static_cast<std::size_t>(subscribers) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<double> latencies;
  Connection writer(s.server->port());
  for (int round = 0; round < 5; ++round) {
    // From the moment the PUT is sent: its commit, the event's fan-out and each receipt.
    // (Timed from the response instead, the figure would depend on whether the response
    // or the 1,000 frames leave first, which the server does not promise.)
    const auto sent = Clock::now();
    auto [status, body] = writer.Call("PUT", "/api/projects/" + s.project + "/docs/fan.md", "",
                                      R"({"content":"round )" + std::to_string(round) + "\"}");
    if (status != 200 && status != 201) std::abort();
    std::vector<pollfd> fds;
    for (auto& c : subs) fds.push_back({c->fd(), POLLIN, 0});
    std::vector<bool> got(subs.size(), false);
    std::size_t remaining = subs.size();
    while (remaining > 0 && Clock::now() - sent < std::chrono::seconds(5)) {
      if (poll(fds.data(), fds.size(), 100) <= 0) continue;
      const auto now = Clock::now();
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN) || got[i]) continue;
        char chunk[4096];
        if (recv(fds[i].fd, chunk, sizeof chunk, 0) > 0) {
          got[i] = true;
          fds[i].events = 0;
          --remaining;
          latencies.push_back(std::chrono::duration<double, std::milli>(now - sent).count());
        }
      }
    }
    if (remaining > 0) std::printf("round %d: %zu subscribers got nothing within 5 s\n", round, remaining);
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies[static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1))]; };
  std::printf("| fan-out to %d WebSocket subscribers (5 PUTs) | p50 %.2f ms | p99 %.2f ms | max %.2f ms |\n",
              subscribers, pct(0.5), pct(0.99), latencies.back());
}

}  // namespace
}  // namespace libsync

int main(int argc, char** argv) {
  using namespace libsync;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  const int subscribers = argc > 2 ? std::atoi(argv[2]) : 1000;
  Setup s;
  if (argc > 3) {
    const std::string side = argv[3];
    if (side != "in-process" && side != "http") {
      std::fprintf(stderr, "the third argument is in-process or http, not %s\n", side.c_str());
      return 2;
    }
    const double rate = side == "http" ? HttpCycles(s, *s.server, seconds) : InProcessCycles(s, seconds);
    std::printf("| lock acquire+release on SQLite, %s only | %.0f cycles/s |\n", side.c_str(), rate);
    return 0;
  }
  // The two sides alternate, five rounds each (which goes first alternates too): the
  // disk's fsync time, which bounds both, moves with the machine's load by the minute.
  std::vector<double> in_process, over_http, ratios;
  for (int round = 0; round < 5; ++round) {
    double a = 0, b = 0;
    if (round % 2 == 0) {
      a = InProcessCycles(s, seconds);
      b = HttpCycles(s, *s.server, seconds);
    } else {
      b = HttpCycles(s, *s.server, seconds);
      a = InProcessCycles(s, seconds);
    }
    in_process.push_back(a);
    over_http.push_back(b);
    ratios.push_back(b / a);
    std::fprintf(stderr, "    round %d: in process %.0f, over HTTP %.0f cycles/s, ratio %.2f\n", round + 1, a, b, b / a);
  }
  std::printf("| lock acquire+release on SQLite | in process %.0f cycles/s | over HTTP %.0f cycles/s | ratio %.2f |\n",
              Median(in_process), Median(over_http), Median(ratios));
  std::fflush(stdout);  // the table so far, whatever the later parts do
  RacingClients(s, *s.server, seconds, 64);
  if (subscribers > 0) FanOut(s, subscribers);  // 0: the lock cycle and the racing clients only
  return 0;
}
