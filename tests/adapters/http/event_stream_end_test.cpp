// An event stream ends where a new request would be refused: its API key revoked, or its
// project deleted. The event that says so is the last one the subscriber gets; a
// WebSocket then closes with 4401 or 4404 (4000 + the status), SSE with the connection.
// Another key's revocation leaves the stream alone.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

class EventStreamEnd : public ServerFixture {
 protected:
  std::string KeyId() { return sync_.keys().List(Caller::Admin(), project_)->front().id; }
  void Put(const std::string& name) {
    ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, name, "x").has_value());
  }
  /// A WebSocket following the project from its start, with the fixture's key.
  std::string OpenWebSocket(Client& c) {
    c.Send(WebSocketUpgrade("/api/events?projectId=" + project_ + "&since=0", KeyHeader()));
    const std::string head = ReadUntil(c, "\r\n\r\n");
    EXPECT_EQ(StatusOf(head), 101) << head;
    return head.substr(head.find("\r\n\r\n") + 4);
  }
  /// An SSE stream following the project from its start, with the fixture's key, that has
  /// shown one write: what it sent so far.
  std::string OpenSseAndSeeAWrite(Client& c) {
    c.Send(SseRequest("Last-Event-ID: 0\r\n" + KeyHeader()));
    Put("a.md");
    std::string seen = ReadUntil(c, "event: doc:updated", 5s);
    EXPECT_EQ(StatusOf(seen), 200) << seen;
    return seen;
  }
  /// Reads until the server closes the connection (5 s at most).
  static void ReadUntilClosed(Client& c, std::string& seen) {
    for (const auto deadline = std::chrono::steady_clock::now() + 5s;
         !c.closed() && std::chrono::steady_clock::now() < deadline;) {
      seen += c.ReadRaw(100ms);
    }
  }
};

int CloseCode(const WsFrame& f) {
  if (f.opcode != 8 || f.payload.size() < 2) return 0;
  return (static_cast<unsigned char>(f.payload[0]) << 8) | static_cast<unsigned char>(f.payload[1]);
}

std::vector<std::string> Types(const std::vector<WsFrame>& frames) {
  std::vector<std::string> types;
  for (const WsFrame& f : frames) {
    const auto at = f.payload.find("\"type\":\"");
    if (f.opcode == 1 && at != std::string::npos) {
      types.push_back(f.payload.substr(at + 8, f.payload.find('"', at + 8) - at - 8));
    }
  }
  return types;
}

TEST_F(EventStreamEnd, AWebSocketEndsWithItsKeysRevocationAndAnotherKeysLeavesItOpen) {
  StartServer();
  Client c(port());
  std::string pending = OpenWebSocket(c);
  Put("a.md");
  auto other = sync_.keys().Create(Caller::Admin(), project_, "other laptop");
  ASSERT_TRUE(other.has_value());
  ASSERT_TRUE(sync_.keys().Revoke(Caller::Admin(), other->key.id).ok());
  Put("b.md");
  std::vector<WsFrame> frames = ReadWsFrames(c, pending, 3, 5s);
  EXPECT_EQ(Types(frames), (std::vector<std::string>{"doc:updated", "key:revoked", "doc:updated"}));

  ASSERT_TRUE(sync_.keys().Revoke(Caller::Admin(), KeyId()).ok());
  Put("c.md");  // published after the revocation: never sent to the revoked key
  frames = ReadWsFrames(c, pending, 2, 5s);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(Types(frames), std::vector<std::string>{"key:revoked"});
  EXPECT_EQ(CloseCode(frames[1]), 4401);
  EXPECT_NE(frames[1].payload.find("revoked"), std::string::npos) << frames[1].payload;
  EXPECT_TRUE(ReadWsFrames(c, pending, 1, 300ms).empty() || c.closed());
}

TEST_F(EventStreamEnd, AnSseStreamEndsWithItsKeysRevocation) {
  StartServer();
  Client c(port());
  std::string seen = OpenSseAndSeeAWrite(c);
  ASSERT_TRUE(sync_.keys().Revoke(Caller::Admin(), KeyId()).ok());
  Put("b.md");  // published after the revocation: never sent to the revoked key
  ReadUntilClosed(c, seen);
  EXPECT_TRUE(c.closed()) << "the stream stayed open";
  EXPECT_NE(seen.find("event: key:revoked"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("b.md"), std::string::npos) << "an event after the revocation was sent: " << seen;
}

TEST_F(EventStreamEnd, AWebSocketEndsWithItsProjectsDeletion) {
  StartServer();
  Client c(port());
  std::string pending = OpenWebSocket(c);
  Put("a.md");
  ASSERT_EQ(ReadWsFrames(c, pending, 1, 5s).size(), 1u);
  ASSERT_TRUE(sync_.projects().Delete(Caller::Admin(), project_).ok());
  const std::vector<WsFrame> frames = ReadWsFrames(c, pending, 2, 5s);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(Types(frames), std::vector<std::string>{"project:deleted"});
  EXPECT_EQ(CloseCode(frames[1]), 4404);
}

TEST_F(EventStreamEnd, AnSseStreamEndsWithItsProjectsDeletion) {
  StartServer();
  Client c(port());
  std::string seen = OpenSseAndSeeAWrite(c);
  ASSERT_TRUE(sync_.projects().Delete(Caller::Admin(), project_).ok());
  ReadUntilClosed(c, seen);
  EXPECT_TRUE(c.closed()) << "the stream of a deleted project stayed open";
  EXPECT_NE(seen.find("event: project:deleted"), std::string::npos) << seen;
}

// Deleted while the stream still replays the log (9 pages of it, within the memory store's
// 10,000 retained events, and more than loopback holds for a client that has not read
// yet): the log of a deleted project cannot be read, so the replay stops where it is and
// project:deleted is the last event, not a silent close.
TEST_F(EventStreamEnd, AStreamDeletedDuringItsReplayStillEndsWithTheDeletion) {
  StartServer();
  constexpr int kWrites = 9000;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "a.md", std::to_string(i)).has_value());
  }
  Client c(port());
  c.Send(SseRequest("Last-Event-ID: 0\r\n" + KeyHeader()));
  std::string seen = ReadUntil(c, "\r\n\r\n", 5s);
  ASSERT_EQ(StatusOf(seen), 200) << seen;
  ASSERT_TRUE(sync_.projects().Delete(Caller::Admin(), project_).ok());
  ReadUntilClosed(c, seen);
  EXPECT_TRUE(c.closed()) << "the stream of a deleted project stayed open";
  ASSERT_NE(seen.find("event: project:deleted"), std::string::npos) << seen.size() << " bytes, ending "
                                                                     << seen.substr(seen.size() - 300);
  std::size_t replayed = 0;
  for (auto at = seen.find("event: doc:updated"); at != std::string::npos; at = seen.find("event: doc:updated", at + 1)) {
    ++replayed;
  }
  EXPECT_LT(replayed, static_cast<std::size_t>(kWrites)) << "the replay was over before the deletion";
}

}  // namespace
}  // namespace libsync::web
