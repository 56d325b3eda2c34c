// The server's write path and live fan-out, measured over loopback against the same work
// done in process, in one run:
//   1. lock acquire+release through HTTP (one keep-alive client) vs the same cycle called
//      on the services directly, both on one SQLite file;
//   2. 64 clients racing acquire/release on one project: every answer must be 201, 200 or
//      409 (the original platform answered 43% of these with 500);
//   3. fan-out: N WebSocket subscribers (default 1000) on one project; the time from sending
//      a doc PUT to each subscriber's receipt of its event (the PUT's commit included).
// Usage: http_events_bench [seconds per case] [subscribers]
// Run through `tests/bench/run.sh events` (Release); the test suite runs a short smoke.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
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

namespace libsync {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kAdmin = "bench-admin-token-0123456789";

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
    store = sql::OpenSqlStore({.url = "sqlite://" + (dir / "bench.db").string()}).value();
    sync = std::make_unique<SyncService>(*store, SystemClock(), SystemRandom(), *box, hub, ServiceOptions{},
                                         EventPathOptions{.hook_cache = HookCacheOptions{}});
    api = std::make_unique<web::Api>(*sync, nullptr, web::ApiOptions{.admin_token = kAdmin, .hook_cache = sync->hook_cache()});
    // The caps follow the open file limit, so raise it before the server starts.
    web::RaiseOpenFileLimit();
    web::ServerOptions options;
    options.port = 0;
    options.access_log = false;
    options.events = &hub;
    options.max_connections = 8192;
    options.network_threads = 2;
    // Every fan-out subscriber is the admin, from one address: the per-client caps that
    // keep one client from taking every stream would otherwise cut the benchmark short.
    options.max_subscribers = 20000;
    options.max_streams_per_address = 10000;
    options.max_streams_per_credential = 10000;
    server = web::Server::Start(*api, options).value();
    project = sync->projects().Create(Caller::Admin(), {.name = "bench", .repo_url = "x"})->id;
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
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

double HttpCycles(Setup& s, double seconds) {
  Connection c(s.server->port());
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

void RacingClients(Setup& s, double seconds, int clients) {
  std::mutex mutex;
  std::map<int, std::size_t> statuses;
  std::vector<std::thread> threads;
  const std::string lock = "/api/projects/" + s.project + "/lock";
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      Connection c(s.server->port());
      std::map<int, std::size_t> mine;
      while (Clock::now() < end) {
        auto [status, body] = c.Call("POST", lock, "", R"({"lockedBy":"client)" + std::to_string(i) + "\"}");
        ++mine[status];
        if (status == 201) ++mine[c.Call("DELETE", lock, "X-Lock-Token: " + TokenOf(body) + "\r\n").first];
      }
      std::lock_guard guard(mutex);
      for (auto [k, v] : mine) statuses[k] += v;
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
  std::printf("| %d clients racing acquire/release | %zu responses |%s | other than 201/200/409: %zu |\n", clients,
              total, line.c_str(), bad);
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
  // The two sides alternate, five rounds each (which goes first alternates too): the
  // disk's fsync time, which bounds both, moves with the machine's load by the minute.
  std::vector<double> in_process, over_http, ratios;
  for (int round = 0; round < 5; ++round) {
    double a = 0, b = 0;
    if (round % 2 == 0) {
      a = InProcessCycles(s, seconds);
      b = HttpCycles(s, seconds);
    } else {
      b = HttpCycles(s, seconds);
      a = InProcessCycles(s, seconds);
    }
    in_process.push_back(a);
    over_http.push_back(b);
    ratios.push_back(b / a);
    std::fprintf(stderr, "    round %d: in process %.0f, over HTTP %.0f cycles/s, ratio %.2f\n", round + 1, a, b, b / a);
  }
  std::printf("| lock acquire+release on SQLite | in process %.0f cycles/s | over HTTP %.0f cycles/s | ratio %.2f |\n",
              Median(in_process), Median(over_http), Median(ratios));
  RacingClients(s, seconds, 64);
  FanOut(s, subscribers);
  return 0;
}
