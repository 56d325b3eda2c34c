// Request smuggling (RFC 9112 §6.1, §6.3, §5.2): a request whose framing a proxy in front
// could read differently is refused with 400 and its connection closed; a follow-up on a
// fresh connection proves that neither it nor anything hidden in its body ran.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

struct Probe {
  const char* name;
  std::string headers;  // between the request line and the blank line
  std::string body;     // sent right after
};

class Smuggling : public ServerFixture {
 protected:
  // A DELETE of the victim doc: what a smuggled second request would do.
  std::string SmuggledDelete() const {
    return "DELETE " + DocPath("victim.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() + "\r\n";
  }
  std::string Chunked(const std::string& data) const {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n0\r\n\r\n";
  }
  std::vector<Probe> Catalogue() const {
    const std::string put = R"({"content":"smuggled"})";
    const std::string cl = "Content-Length: " + std::to_string(put.size()) + "\r\n";
    const std::string del = SmuggledDelete();
    return {
        {"TE gzip: the body is a second request", "Transfer-Encoding: gzip\r\n", del},
        {"TE chunked twice in one field", "Transfer-Encoding: chunked, chunked\r\n", del},
        {"TE gzip, chunked: a coding nobody decodes", "Transfer-Encoding: gzip, chunked\r\n", Chunked(put)},
        {"TE gzip then TE chunked", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", Chunked(put)},
        {"TE chunked then TE identity", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", Chunked(put)},
        {"TE with a parameter", "Transfer-Encoding: chunked;ext=1\r\n", Chunked(put) + del},
        {"TE xchunked", "Transfer-Encoding: xchunked\r\n", del},
        {"TE identity", "Transfer-Encoding: identity\r\n", del},
        {"TE with a space before the colon", "Transfer-Encoding : chunked\r\n", Chunked(put)},
        {"TE in obs-fold", "Transfer-Encoding:\r\n chunked\r\n", Chunked(put)},
        {"TE folded onto gzip", "Transfer-Encoding: gzip\r\n chunked\r\n", Chunked(put)},
        {"CL.TE", cl + "Transfer-Encoding: chunked\r\n", Chunked(put)},
        {"TE.CL", "Transfer-Encoding: chunked\r\n" + cl, Chunked(put)},
        {"conflicting Content-Lengths", cl + "Content-Length: 0\r\n", put + del},
        {"conflicting Content-Lengths in one field", "Content-Length: 0, " + std::to_string(put.size()) + "\r\n", put},
        {"obs-fold in another header", cl + "X-Note: first\r\n second\r\n", put},
        {"NUL in a header value", cl + std::string("X-Note: a\0b\r\n", 13), put},
        {"bare CR in a header value", cl + "X-Note: a\rb\r\n", put},
    };
  }
};

TEST_F(Smuggling, EveryProbeGets400AClosedConnectionAndRunsNothing) {
  StartServer();
  for (const Probe& probe : Catalogue()) {
    SCOPED_TRACE(probe.name);
    // Each probe starts from the same docs, so one that gets through shows as itself.
    ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "victim.md", "keep me").has_value());
    (void)sync_.docs().Delete(Caller::Admin(), project_, "a.md");
    Client c(port());
    ASSERT_TRUE(c.connected());
    c.Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() +
           "Content-Type: application/json\r\n" + probe.headers + "\r\n" + probe.body);
    const std::string response = c.ReadResponse();
    EXPECT_EQ(StatusOf(response), 400) << response;
    // Nothing more comes: no answer to a smuggled request, and the server closes.
    const std::string more = ReadUntil(c, "HTTP/1.1", 500ms);
    EXPECT_EQ(more.find("HTTP/1.1"), std::string::npos) << more;
    EXPECT_TRUE(c.closed()) << "the connection stayed open";

    Client check(port());
    EXPECT_EQ(StatusOf(check.Get(DocPath("victim.md"), AdminHeader())), 200) << "the smuggled DELETE ran";
    EXPECT_EQ(StatusOf(check.Get(DocPath("a.md"), AdminHeader())), 404) << "the refused PUT ran";
  }
}

// Trailer fields (RFC 9112 §7.1.2) came after the header was closed and were appended to
// the request's headers: a credential, a precondition or a lock token sent as a trailer,
// which a proxy filtering headers never sees, was honoured. Any field after the header is
// refused with 400 and the connection closed.
TEST_F(Smuggling, AFieldInAChunkedTrailerGets400AndRunsNothing) {
  StartServer();
  ASSERT_TRUE(sync_.docs().Put(Caller::Admin(), project_, "victim.md", "keep me").has_value());
  const std::string lock_token = sync_.locks().Acquire(Caller::Admin(), project_, {.locked_by = "alice"})->token;
  const std::string body = R"({"content":"smuggled"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  const std::string chunks = std::string(size) + "\r\n" + body + "\r\n0\r\n";
  struct Trailer {
    const char* name;
    std::string headers, trailer;
  };
  const std::vector<Trailer> probes = {
      {"the admin token", "", AdminHeader()},
      {"an API key", "", KeyHeader()},
      {"a lock token", AdminHeader(), "X-Lock-Token: " + lock_token + "\r\n"},
      {"If-Match", AdminHeader() + "X-Lock-Token: " + lock_token + "\r\n", "If-Match: \"v1\"\r\n"},
      {"a harmless field", AdminHeader() + "X-Lock-Token: " + lock_token + "\r\n", "X-Checksum: 1\r\n"},
  };
  for (const Trailer& probe : probes) {
    SCOPED_TRACE(probe.name);
    Client c(port());
    c.Send("PUT " + DocPath("victim.md") + " HTTP/1.1\r\nHost: x\r\n" + probe.headers +
           "Transfer-Encoding: chunked\r\n\r\n" + chunks + probe.trailer + "\r\n");
    const std::string response = c.ReadResponse();
    EXPECT_EQ(StatusOf(response), 400) << response;
    EXPECT_NE(response.find("trailer"), std::string::npos) << response;
    const std::string more = ReadUntil(c, "HTTP/1.1", 500ms);
    EXPECT_EQ(more.find("HTTP/1.1"), std::string::npos) << more;
    EXPECT_TRUE(c.closed()) << "the connection stayed open";

    Client check(port());
    const std::string doc = check.Get(DocPath("victim.md"), AdminHeader());
    EXPECT_NE(doc.find("\"content\":\"keep me\""), std::string::npos) << "the PUT ran: " << doc;
  }
}

// The framings that are allowed still work, on one kept-alive connection.
TEST_F(Smuggling, PlainChunkedAndContentLengthBodiesStillWork) {
  StartServer();
  Client c(port());
  const std::string put = "PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() +
                          "Content-Type: application/json\r\n";
  c.Send(put + "Transfer-Encoding: Chunked\r\n\r\n" + Chunked(R"({"content":"one"})"));
  EXPECT_EQ(StatusOf(c.ReadResponse()), 201);
  const std::string body = R"({"content":"two"})";
  c.Send(put + "Content-Length: " + std::to_string(body.size()) + ", " + std::to_string(body.size()) +
         "\r\nX-Empty:\r\nX-Spaced:   a  b\r\n\r\n" + body);
  EXPECT_EQ(StatusOf(c.ReadResponse()), 200);
  EXPECT_NE(c.Get(DocPath("a.md"), AdminHeader()).find("\"content\":\"two\""), std::string::npos);
}

// RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request means the framing is faulty.
TEST_F(Smuggling, TransferEncodingInAnHttp10RequestGets400) {
  StartServer();
  Client c(port());
  c.Send("PUT " + DocPath("a.md") + " HTTP/1.0\r\nHost: x\r\n" + AdminHeader() +
         "Transfer-Encoding: chunked\r\n\r\n" + Chunked(R"({"content":"x"})"));
  EXPECT_EQ(StatusOf(c.ReadResponse()), 400);
  EXPECT_EQ(StatusOf(Client(port()).Get(DocPath("a.md"), AdminHeader())), 404);
}

}  // namespace
}  // namespace libsync::web
