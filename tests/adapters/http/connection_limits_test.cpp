// No one client can make the server refuse everyone else: event streams do not take
// request connections, streams are capped per remote address and per credential, and
// connections waiting for a request are closed, oldest first, near the connection cap.

#include "connection_limits.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

TEST(DeriveCaps, FitsTheCapsIntoTheOpenFileLimit) {
  const ConnectionCaps wanted{.connections = 1024, .streams = 10000, .streams_per_address = 1000,
                              .streams_per_credential = 1000};
  const ConnectionCaps roomy = DeriveCaps(wanted, 1 << 20);
  EXPECT_EQ(roomy.connections, 1024u);
  EXPECT_EQ(roomy.streams, 10000u);
  EXPECT_EQ(roomy.streams_per_address, 1000u);
  // 1024 descriptors: 128 kept back, the rest split between connections and streams.
  const ConnectionCaps tight = DeriveCaps(wanted, 1024);
  EXPECT_EQ(tight.connections + tight.streams, 1024u - 128u);
  EXPECT_EQ(tight.streams, 448u);
  EXPECT_EQ(tight.streams_per_address, 224u) << "one address never holds every stream";
  EXPECT_EQ(tight.streams_per_credential, 224u);
  EXPECT_EQ(tight.shed_mark(), 448u - 56u);
}

TEST(ConnectionLimits, CountsStreamsPerAddressAndCredential) {
  ConnectionLimits limits({.connections = 2, .streams = 4, .streams_per_address = 2, .streams_per_credential = 3});
  EXPECT_TRUE(limits.TryOpenConnection());
  EXPECT_TRUE(limits.TryOpenConnection());
  EXPECT_FALSE(limits.TryOpenConnection());
  EXPECT_EQ(limits.connections(), 2u);
  EXPECT_TRUE(limits.OpenStream("10.0.0.1", "key:a").ok());
  EXPECT_TRUE(limits.OpenStream("10.0.0.1", "key:a").ok());
  EXPECT_EQ(limits.OpenStream("10.0.0.1", "key:b").code(), ErrorCode::kRateLimited) << "address";
  EXPECT_TRUE(limits.OpenStream("10.0.0.2", "key:a").ok());
  EXPECT_EQ(limits.OpenStream("10.0.0.3", "key:a").code(), ErrorCode::kRateLimited) << "credential";
  EXPECT_TRUE(limits.OpenStream("10.0.0.3", "key:b").ok());
  EXPECT_EQ(limits.OpenStream("10.0.0.4", "key:c").code(), ErrorCode::kUnavailable) << "server";
  limits.CloseStream("10.0.0.1", "key:a");
  EXPECT_TRUE(limits.OpenStream("10.0.0.4", "key:c").ok());
  EXPECT_EQ(limits.streams(), 4u);
}

class ConnectionFairness : public ServerFixture {
 protected:
  std::unique_ptr<Client> OpenStream(const std::string& credentials) {
    auto c = std::make_unique<Client>(port());
    c->Send(SseRequest(credentials));
    const std::string head = ReadUntil(*c, "\r\n\r\n");
    EXPECT_EQ(StatusOf(head), 200) << head;
    return c;
  }

  /// A connection from `address` in the middle of a request: headers with a large
  /// Content-Length sent, the body only begun (busy, so never shed as idle).
  std::unique_ptr<Client> MidRequest(const std::string& address) {
    auto c = std::make_unique<Client>(port(), address.c_str());
    c->Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() + "Content-Length: 100000\r\n\r\n{");
    return c;
  }
};

// One read key held more streams than there were connections: every other client, admin
// and /metrics included, was refused while they stayed open.
TEST_F(ConnectionFairness, StreamsDoNotTakeTheRequestConnections) {
  StartServer({.max_connections = 8, .max_subscribers = 100, .max_streams_per_address = 50,
               .max_streams_per_credential = 50});
  std::vector<std::unique_ptr<Client>> streams;
  for (int i = 0; i < 20; ++i) streams.push_back(OpenStream(KeyHeader()));
  EXPECT_EQ(hub_.subscribers(), 20u);
  Client admin(port());
  EXPECT_EQ(StatusOf(admin.Get("/api/projects", AdminHeader())), 200);
  Client metrics(port());
  EXPECT_EQ(StatusOf(metrics.Get("/metrics")), 200);
}

TEST_F(ConnectionFairness, OneCredentialCannotHoldEveryStream) {
  StartServer({.max_subscribers = 100, .max_streams_per_address = 50, .max_streams_per_credential = 3});
  std::vector<std::unique_ptr<Client>> streams;
  for (int i = 0; i < 3; ++i) streams.push_back(OpenStream(KeyHeader()));
  Client fourth(port());
  fourth.Send(SseRequest(KeyHeader()));
  const std::string refused = fourth.ReadResponse();
  EXPECT_EQ(StatusOf(refused), 429) << refused;
  EXPECT_NE(refused.find("for this credential"), std::string::npos) << refused;
  // Another credential from the same address still gets in.
  streams.push_back(OpenStream(AdminHeader()));
  // A closed stream gives its place back.
  streams.erase(streams.begin());
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (hub_.subscribers() != 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  streams.push_back(OpenStream(KeyHeader()));
}

TEST_F(ConnectionFairness, OneAddressCannotHoldEveryStream) {
  StartServer({.max_subscribers = 100, .max_streams_per_address = 2, .max_streams_per_credential = 50});
  auto first = OpenStream(KeyHeader());
  auto second = OpenStream(AdminHeader());
  const std::string other_key = sync_.keys().Create(Caller::Admin(), project_, "desktop")->plain_key;
  Client third(port());
  third.Send(SseRequest("X-API-Key: " + other_key + "\r\n"));
  const std::string refused = third.ReadResponse();
  EXPECT_EQ(StatusOf(refused), 429) << refused;
  EXPECT_NE(refused.find("from this address"), std::string::npos) << refused;
}

// Idle keep-alive sockets (and sockets that never sent a request) held every connection.
TEST_F(ConnectionFairness, ConnectionsWaitingLongestForARequestMakeRoomForNewClients) {
  StartServer({.max_connections = 16});
  std::vector<std::unique_ptr<Client>> idle;
  // From two addresses: one may hold at most half the connections.
  for (int i = 0; i < 12; ++i) {
    idle.push_back(std::make_unique<Client>(port(), i % 2 ? "127.0.0.2" : "127.0.0.1"));
    ASSERT_EQ(StatusOf(idle.back()->Get("/api/health")), 200);  // then kept alive, idle
  }
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<Client>(port(), i % 2 ? "127.0.0.2" : "127.0.0.1"));  // never sends anything
    std::this_thread::sleep_for(20ms);
  }
  // The cap is reached; new clients are still served, each making room.
  for (int i = 0; i < 8; ++i) {
    Client fresh(port(), "127.0.0.3");
    const std::string response = fresh.Get("/api/projects", AdminHeader());
    EXPECT_EQ(StatusOf(response), 200) << i << ": " << response;
  }
  // The ones that had waited longest were closed, the newest kept.
  EXPECT_TRUE(idle.front()->ReadRaw(500ms).empty() && idle.front()->closed()) << "the oldest idle is still open";
  Client& newest_kept_alive = *idle[11];
  EXPECT_EQ(StatusOf(newest_kept_alive.Get("/api/health")), 200) << "a newer idle one was closed first";
}

TEST_F(ConnectionFairness, ConnectionsBusyAtTheCapGet503WithRetryAfter) {
  StartServer({.max_connections = 2});
  Client a(port(), "127.0.0.1"), b(port(), "127.0.0.2");
  // Both in the middle of a request (its body not yet sent): not idle, not shed.
  for (Client* c : {&a, &b}) {
    c->Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{");
  }
  std::this_thread::sleep_for(100ms);
  Client c(port(), "127.0.0.3");
  const std::string response = c.ReadResponse();
  EXPECT_EQ(StatusOf(response), 503) << response;
  EXPECT_NE(response.find("\r\nretry-after: 1\r\n"), std::string::npos) << response;
}

// One address that sent headers with a large Content-Length and trickled the body held
// every request connection until the body timeout: everyone else got 503. An address may
// hold at most half the connections (by default); over that it gets 429 with Retry-After.
TEST_F(ConnectionFairness, OneAddressCannotHoldEveryRequestConnection) {
  StartServer({.max_connections = 8});
  std::vector<std::unique_ptr<Client>> trickling;
  for (int i = 0; i < 8; ++i) {
    trickling.push_back(MidRequest("127.0.0.1"));
    std::this_thread::sleep_for(10ms);
  }
  int refused = 0;
  for (auto& c : trickling) {
    const std::string answer = c->ReadRaw(200ms);
    if (answer.empty()) continue;
    ++refused;
    EXPECT_EQ(StatusOf(answer), 429) << answer;
    EXPECT_NE(answer.find("\r\nretry-after: 1\r\n"), std::string::npos) << answer;
    EXPECT_NE(answer.find("from this address"), std::string::npos) << answer;
  }
  EXPECT_EQ(refused, 4);
  Client other(port(), "127.0.0.2");
  const std::string served = other.Get("/api/health");
  EXPECT_EQ(StatusOf(served), 200) << served;
  Client admin(port(), "127.0.0.3");
  const std::string listed = admin.Get("/api/projects", AdminHeader());
  EXPECT_EQ(StatusOf(listed), 200) << listed;
}

// A client's pool of idle keep-alive connections filled its address's cap and shut out
// every other client behind that address until they timed out: at the cap, the address's
// own connection that has waited longest for a request makes room. Connections busy with
// a request are never shed for it, nor those that waited less than a second (their request
// may be on the way).
TEST_F(ConnectionFairness, AnAddressAtItsCapMakesRoomByClosingItsOwnIdleConnection) {
  StartServer({.max_connections = 64, .max_connections_per_address = 4});
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<Client>(port(), "127.0.0.1"));
    ASSERT_EQ(StatusOf(idle.back()->Get("/api/health")), 200);  // kept alive, then waiting
    std::this_thread::sleep_for(20ms);                            // each waits a little less
  }
  Client early(port(), "127.0.0.1");
  EXPECT_EQ(StatusOf(early.Get("/api/health")), 429) << "none has waited a second yet";
  std::this_thread::sleep_for(1100ms);
  Client newcomer(port(), "127.0.0.1");
  const std::string served = newcomer.Get("/api/health");
  EXPECT_EQ(StatusOf(served), 200) << served;
  EXPECT_EQ(idle.front()->ReadRaw(500ms), "") << "closed without an answer";
  EXPECT_TRUE(idle.front()->closed()) << "the longest waiting one made room";
  EXPECT_EQ(StatusOf(idle.back()->Get("/api/health")), 200) << "the others stay";

  // Four connections in the middle of a request: nothing to shed, so 429.
  std::vector<std::unique_ptr<Client>> busy;
  for (int i = 0; i < 4; ++i) busy.push_back(MidRequest("127.0.0.2"));
  std::this_thread::sleep_for(100ms);
  Client refused(port(), "127.0.0.2");
  const std::string answer = refused.Get("/api/health");
  EXPECT_EQ(StatusOf(answer), 429) << answer;
  for (auto& c : busy) EXPECT_FALSE(c->closed());
}

}  // namespace
}  // namespace libsync::web
