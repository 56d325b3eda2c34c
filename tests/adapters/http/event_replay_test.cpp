// Replays of any length within the retained log: a subscriber 5,000 events behind gets
// every one, in order, exactly once, then the live ones, over SSE and WebSocket, at the
// pace it reads; events published while its replay runs come after it, exactly once.

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

constexpr int kBehind = 5000;
constexpr int kLive = 50;

class EventReplay : public ServerFixture {
 protected:
  void Publish(int count, const std::string& prefix) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, prefix + std::to_string(i) + ".md", "x").has_value());
    }
  }
};

// The seqs in SSE text ("id: N" lines), in the order they came.
std::vector<int> SseSeqs(const std::string& text) {
  std::vector<int> seqs;
  static const std::regex id("\nid: (\\d+)\n");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), id); it != std::sregex_iterator(); ++it) {
    seqs.push_back(std::stoi((*it)[1]));
  }
  return seqs;
}

std::vector<int> OneTo(int n) {
  std::vector<int> all;
  for (int i = 1; i <= n; ++i) all.push_back(i);
  return all;
}

TEST_F(EventReplay, AnSseSubscriberFarBehindGetsEveryEventOnceInOrderThenLiveOnes) {
  StartServer();
  Publish(kBehind, "old");
  Client c(port());
  c.Send(SseRequest("Last-Event-ID: 0\r\n" + KeyHeader()));
  // Read a little, so the replay is still running when the live events come.
  std::string seen = "\n" + ReadUntil(c, "\nid: 100\n", 5s);
  ASSERT_EQ(StatusOf(seen.substr(1)), 200) << seen.substr(0, 300);
  Publish(kLive, "new");
  const std::string last = "\nid: " + std::to_string(kBehind + kLive) + "\n";
  seen += ReadUntil(c, last, 30s);
  const std::string more = c.ReadRaw(300ms);  // nothing after the last one
  EXPECT_EQ(SseSeqs(seen + more), OneTo(kBehind + kLive));
  EXPECT_FALSE(c.closed()) << "dropped during the replay";
  EXPECT_EQ(hub_.subscribers(), 1u);
}

TEST_F(EventReplay, AWebSocketSubscriberFarBehindGetsEveryEventOnceInOrderThenLiveOnes) {
  StartServer();
  Publish(kBehind, "old");
  Client c(port());
  c.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=0", KeyHeader()));
  const std::string head = ReadUntil(c, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 101) << head;
  std::string pending = head.substr(head.find("\r\n\r\n") + 4);
  std::vector<WsFrame> frames = ReadWsFrames(c, pending, 100, 5s);
  Publish(kLive, "new");
  const auto texts = static_cast<std::size_t>(
      std::count_if(frames.begin(), frames.end(), [](const WsFrame& f) { return f.opcode == 1; }));
  ASSERT_LE(texts, static_cast<std::size_t>(kBehind));
  for (auto& f : ReadWsFrames(c, pending, kBehind + kLive - texts, 30s)) frames.push_back(std::move(f));
  for (auto& f : ReadWsFrames(c, pending, 1, 300ms)) frames.push_back(std::move(f));  // nothing more
  std::vector<int> seqs;
  static const std::regex seq("^\\{\"seq\":(\\d+),");
  for (const WsFrame& f : frames) {
    std::smatch m;
    if (f.opcode == 1 && std::regex_search(f.payload, m, seq)) seqs.push_back(std::stoi(m[1]));
  }
  EXPECT_EQ(seqs, OneTo(kBehind + kLive));
  EXPECT_FALSE(c.closed()) << "dropped during the replay";
}

// A subscriber whose seq the log no longer holds is still told so before the stream opens.
TEST_F(EventReplay, ASeqPastTheHeadIsRefusedBeforeTheStreamOpens) {
  StartServer();
  Publish(3, "a");
  Client c(port());
  c.Send(SseRequest("Last-Event-ID: 4\r\n" + KeyHeader()));
  EXPECT_EQ(StatusOf(c.ReadResponse()), 410);
}

// A browser's WebSocket cannot see a refused handshake's status, so the same refusal
// comes after the upgrade as close code 4410 with the reason, and the stream never opens.
TEST_F(EventReplay, AWebSocketSeqPastTheHeadIsClosedWith4410) {
  StartServer();
  Publish(3, "a");
  Client c(port());
  c.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=4", KeyHeader()));
  const std::string head = ReadUntil(c, "\r\n\r\n");
  ASSERT_EQ(StatusOf(head), 101) << head;
  std::string pending = head.substr(head.find("\r\n\r\n") + 4);
  const std::vector<WsFrame> frames = ReadWsFrames(c, pending, 1, 5s);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, 8) << "a close frame, and no event";
  ASSERT_GE(frames[0].payload.size(), 2u);
  EXPECT_EQ((static_cast<unsigned char>(frames[0].payload[0]) << 8) | static_cast<unsigned char>(frames[0].payload[1]),
            4410);
  EXPECT_NE(frames[0].payload.find("seq"), std::string::npos) << frames[0].payload;
  EXPECT_EQ(hub_.subscribers(), 0u);
}

// Credentials are still checked before the upgrade: a bad key is a plain 401.
TEST_F(EventReplay, AWebSocketWithABadKeyIsRefusedBeforeTheUpgrade) {
  StartServer();
  Client c(port());
  c.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=4", "X-API-Key: sk_nothing\r\n"));
  EXPECT_EQ(StatusOf(c.ReadResponse()), 401);
}

}  // namespace
}  // namespace libsync::web
