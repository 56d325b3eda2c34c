// The Beast server on loopback: keep-alive, limits, timeouts, the connection cap, a slow
// store call that must not stall other connections, and a graceful stop.

#include "libsync/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/memory_store.hpp"

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

/// A raw TCP client: what a test sends is exactly what the server receives.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) { (void)send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  /// Reads one response (headers + Content-Length body), or what arrives before the peer
  /// closes or `timeout` passes.
  std::string ReadResponse(std::chrono::milliseconds timeout = 3000ms) {
    std::string data;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const auto cl = data.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        if (data.size() >= header_end + 4 + length) return data.substr(0, header_end + 4 + length);
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
  }
  bool closed() const { return closed_; }
  std::string Get(const std::string& target, const std::string& headers = "") {
    Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    return ReadResponse();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    options.access_log = false;
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
  SyncService sync_{store_, SystemClock(), SystemRandom(), *box_, NullEventSink()};
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

TEST_F(ServerTest, ABodyOverTheLimitGets413AndTheServerGoesOn) {
  StartServer({.max_body_bytes = 4096});
  Client c(server_->port());
  const std::string body = R"({"content":")" + std::string(8000, 'x') + R"("})";
  c.Send("PUT /api/projects/" + project_ + "/docs/a.md HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdmin +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(StatusOf(c.ReadResponse()), 413);
  EXPECT_EQ(sync_.docs().Get(Caller::Admin(), project_, "a.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(StatusOf(Client(server_->port()).Get("/api/health")), 200);
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

TEST_F(ServerTest, ConnectionsOverTheCapGet503) {
  StartServer({.max_connections = 2});
  Client a(server_->port()), b(server_->port());
  EXPECT_EQ(StatusOf(a.Get("/api/health")), 200);
  EXPECT_EQ(StatusOf(b.Get("/api/health")), 200);
  Client c(server_->port());
  EXPECT_EQ(StatusOf(c.ReadResponse()), 503);
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

}  // namespace
}  // namespace libsync::web
