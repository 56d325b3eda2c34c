// The server over TLS, with a throwaway CA: protocol versions and ALPN, session
// resumption, plain HTTP on the TLS port, handshakes under the timeouts and caps, a reload
// that keeps open connections, a key file others may read, event streams (SSE and wss), and
// the request fuzzer's seed corpus replayed over TLS.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server_fixture.hpp"
#include "tls_test_client.hpp"

namespace libsync::web {
namespace {

class TlsServer : public ServerFixture {
 protected:
  TlsServer() {
    pki_.Issue("server");
    pki_.Issue("renewed");
  }
  void StartTls(ServerOptions options = {}) {
    options.tls = pki_.Files("server");
    StartServer(std::move(options));
  }
  TlsClient::Options Trusting() const { return {.ca_file = pki_.Path("ca.pem")}; }
  std::string HookStatus() const { return "/api/hook/status/" + project_; }

  TestPki pki_;
};

TEST_F(TlsServer, AnswersOverTls12And13WithAlpnHttp11) {
  StartTls();
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    auto options = Trusting();
    options.min_version = options.max_version = version;
    TlsClient c(port(), options);
    ASSERT_TRUE(c.handshake_ok()) << version;
    EXPECT_EQ(c.alpn(), "http/1.1");
    EXPECT_EQ(StatusOf(c.Get(HookStatus(), KeyHeader())), 200);
    EXPECT_EQ(StatusOf(c.Get(HookStatus(), KeyHeader())), 200) << "keep-alive over TLS";
  }
}

TEST_F(TlsServer, RefusesTls11AndOlder) {
  StartTls();
  auto options = Trusting();
  options.min_version = TLS1_VERSION;
  options.max_version = TLS1_1_VERSION;
  TlsClient old(port(), options);
  EXPECT_FALSE(old.handshake_ok());
  EXPECT_TRUE(TlsClient(port(), Trusting()).handshake_ok()) << "still serving";
}

// Also when the first connection ends without a close_notify, as many clients end theirs:
// OpenSSL would drop such a connection's session from the cache.
TEST_F(TlsServer, ResumesSessions) {
  StartTls();
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    for (bool close_notify : {true, false}) {
      auto options = Trusting();
      options.min_version = options.max_version = version;
      options.close_notify = close_notify;
      SSL_SESSION* session = nullptr;
      {
        TlsClient first(port(), options);
        ASSERT_TRUE(first.handshake_ok());
        ASSERT_EQ(StatusOf(first.Get(HookStatus(), KeyHeader())), 200);
        EXPECT_FALSE(first.reused());
        session = first.session();
      }
      std::this_thread::sleep_for(50ms);  // the server has seen the first connection end
      options.resume = session;
      TlsClient second(port(), options);
      ASSERT_TRUE(second.handshake_ok());
      EXPECT_EQ(StatusOf(second.Get(HookStatus(), KeyHeader())), 200);
      EXPECT_TRUE(second.reused()) << "protocol " << version << ", close_notify " << close_notify;
      SSL_SESSION_free(session);
    }
  }
}

TEST_F(TlsServer, PlainHttpOnTheTlsPortGets400AndIsClosed) {
  StartTls();
  Client plain(port());
  const std::string reply = plain.Get(HookStatus(), KeyHeader());
  EXPECT_EQ(StatusOf(reply), 400) << reply;
  EXPECT_NE(reply.find("https://"), std::string::npos) << reply;
  plain.ReadRaw(1000ms);
  EXPECT_TRUE(plain.closed());
  EXPECT_EQ(StatusOf(TlsClient(port(), Trusting()).Get(HookStatus(), KeyHeader())), 200) << "still serving";
}

TEST_F(TlsServer, AHandshakeThatNeverCompletesIsCutOffAtTheHeaderTimeout) {
  StartTls({.header_timeout = 300ms});
  Client silent(port());
  Client half(port());
  half.Send(std::string("\x16\x03\x01", 3));  // a handshake record's first bytes, no more
  const auto started = std::chrono::steady_clock::now();
  silent.ReadRaw(3000ms);
  half.ReadRaw(3000ms);
  EXPECT_TRUE(silent.closed() && half.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
}

TEST_F(TlsServer, ConnectionsStuckBeforeTheHandshakeMakeRoomForNewClients) {
  StartTls({.max_connections = 16});
  std::vector<std::unique_ptr<Client>> stuck;
  // From two addresses: one may hold at most half the connections.
  for (int i = 0; i < 16; ++i) stuck.push_back(std::make_unique<Client>(port(), i % 2 ? "127.0.0.2" : "127.0.0.1"));
  std::this_thread::sleep_for(200ms);
  // Near the cap the connections waiting longest (here: for a handshake) are closed, so a
  // client that does handshake is served, not refused.
  auto options = Trusting();
  options.source = "127.0.0.3";
  for (int i = 0; i < 4; ++i) {
    TlsClient fresh(port(), options);
    ASSERT_TRUE(fresh.handshake_ok()) << i;
    EXPECT_EQ(StatusOf(fresh.Get(HookStatus(), KeyHeader())), 200) << i;
  }
}

TEST_F(TlsServer, ReloadKeepsOpenConnectionsAndNewOnesSeeTheNewCertificate) {
  StartTls();
  TlsClient kept(port(), Trusting());
  ASSERT_EQ(StatusOf(kept.Get(HookStatus(), KeyHeader())), 200);
  EXPECT_EQ(kept.PeerCertificatePem(), pki_.Read("server.pem"));
  // The renewal is put where the server reads its pair, then the server told.
  std::filesystem::copy_file(pki_.Path("renewed.pem"), pki_.Path("server.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(pki_.Path("renewed.key"), pki_.Path("server.key"),
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(server_->ReloadTls().ok());
  EXPECT_EQ(StatusOf(kept.Get(HookStatus(), KeyHeader())), 200) << "the open connection was dropped";
  TlsClient fresh(port(), Trusting());
  ASSERT_TRUE(fresh.handshake_ok());
  EXPECT_EQ(fresh.PeerCertificatePem(), pki_.Read("renewed.pem"));
  EXPECT_EQ(StatusOf(fresh.Get(HookStatus(), KeyHeader())), 200);
}

TEST_F(TlsServer, AReloadOfABrokenPairIsRefusedAndTheOldOneStays) {
  StartTls();
  const std::string old_certificate = pki_.Read("server.pem");
  // The renewed certificate without its key: the pair does not match.
  std::filesystem::copy_file(pki_.Path("renewed.pem"), pki_.Path("server.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  const Status reloaded = server_->ReloadTls();
  EXPECT_EQ(reloaded.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(reloaded.message().find("server.key"), std::string::npos) << reloaded.message();
  TlsClient fresh(port(), Trusting());
  ASSERT_TRUE(fresh.handshake_ok());
  EXPECT_EQ(fresh.PeerCertificatePem(), old_certificate);
  // Not PEM at all.
  std::ofstream(pki_.Path("server.pem")) << "not a certificate\n";
  EXPECT_EQ(server_->ReloadTls().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(StatusOf(TlsClient(port(), Trusting()).Get(HookStatus(), KeyHeader())), 200);
}

TEST_F(TlsServer, AKeyFileOthersMayReadIsRefusedAtStart) {
  std::filesystem::permissions(pki_.Path("server.key"), std::filesystem::perms::group_read |
                                                            std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  ServerOptions options;
  options.port = 0;
  options.tls = pki_.Files("server");
  auto started = Server::Start(api_, options);
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(started.error().message().find("mode 0644"), std::string::npos) << started.error().message();
  EXPECT_NE(started.error().message().find("chmod 600"), std::string::npos) << started.error().message();
}

TEST_F(TlsServer, ServerSentEventsFlowOverTls) {
  StartTls();
  TlsClient c(port(), Trusting());
  ASSERT_TRUE(c.handshake_ok());
  c.Send(SseRequest(KeyHeader()));
  ASSERT_EQ(StatusOf(c.ReadUntil("\r\n\r\n")), 200);
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "a.md", "x").has_value());
  const std::string got = c.ReadUntil("doc:updated");
  EXPECT_NE(got.find("event: doc:updated"), std::string::npos) << got;
}

TEST_F(TlsServer, WebSocketUpgradesBecomeWss) {
  StartTls();
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "a.md", "x").has_value());
  TlsClient c(port(), Trusting());
  ASSERT_TRUE(c.handshake_ok());
  c.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=0", KeyHeader()));
  std::string got = c.ReadUntil("doc:updated");
  ASSERT_EQ(StatusOf(got), 101) << got;
  EXPECT_NE(got.find("\"seq\":1,\"type\":\"doc:updated\""), std::string::npos) << got;
}

// Every seed of the request fuzzer (tests/fuzz/seeds/fuzz_request), sent over TLS: an
// answer below 500 for each, as the fuzzer demands of the plain parser, and the server
// serving after.
TEST_F(TlsServer, TheRequestFuzzersSeedsAreAnsweredBelow500) {
  StartTls();
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LIBSYNC_FUZZ_REQUEST_SEEDS)) {
    SCOPED_TRACE(entry.path().filename().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    TlsClient c(port(), Trusting());
    ASSERT_TRUE(c.handshake_ok());
    c.Send(bytes.str());
    const int status = StatusOf(c.ReadResponse());
    EXPECT_GE(status, 200);
    EXPECT_LT(status, 500);
    ++replayed;
  }
  EXPECT_GE(replayed, 5);
  EXPECT_EQ(StatusOf(TlsClient(port(), Trusting()).Get("/api/health")), 200);
}

}  // namespace
}  // namespace libsync::web
