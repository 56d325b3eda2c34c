// Request bodies built to cost the server CPU: each is refused, and quickly, so that a few
// of them cannot stall every worker.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

// A JSON object of distinct four-letter keys ("aaaa":0,"baaa":0,…) filling about a MiB.
std::string DistinctKeys() {
  const char* digits = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string keys;
  for (std::size_t i = 0; keys.size() < 1024 * 1024 - 32; ++i) {
    if (i > 0) keys += ',';
    keys += '"';
    for (std::size_t n = i, k = 0; k < 4; ++k, n /= 36) keys += digits[n % 36];
    keys += "\":0";
  }
  return "{" + keys + "}";
}

class HostileBodies : public ServerFixture {
 protected:
  // PUTs `body` to a.md as the admin; the answer must be a 400 within a second, and the
  // doc must not exist afterwards.
  std::string ExpectQuickRefusal(const std::string& body) {
    Client c(port());
    const auto started = std::chrono::steady_clock::now();
    c.Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    const std::string response = c.ReadResponse(10s);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    EXPECT_EQ(StatusOf(response), 400) << response.substr(0, 300);
    EXPECT_LT(ms, 1s) << ms.count() << " ms";
    std::printf("refused in %lld ms\n", static_cast<long long>(ms.count()));
    EXPECT_EQ(StatusOf(Client(port()).Get(DocPath("a.md"), AdminHeader())), 404);
    return response;
  }
};

// ~116k distinct keys in 1 MiB: the duplicate-key check compared every key with every key
// before it (~7e9 compares, a minute of one worker under ASan).
TEST_F(HostileBodies, AMegabyteOfDistinctKeysIsRefusedWithinASecond) {
  StartServer();
  const std::string response = ExpectQuickRefusal(DistinctKeys());
  EXPECT_NE(response.find("unknown field"), std::string::npos) << response.substr(0, 300);
}

// The same number of keys inside the one allowed field: only top-level keys are tracked.
TEST_F(HostileBodies, AMegabyteOfDistinctKeysInsideAFieldIsRefusedWithinASecond) {
  StartServer();
  ExpectQuickRefusal("{\"content\":" + DistinctKeys() + "}");
}

// The rule itself still holds: a repeated allowed field is refused, whatever its order.
TEST_F(HostileBodies, ARepeatedFieldIsStillRefused) {
  StartServer();
  for (const std::string body : {R"({"content":"a","content":"b"})", R"({"content":"a","baseVersion":1,"content":"b"})"}) {
    Client c(port());
    c.Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    const std::string response = c.ReadResponse();
    EXPECT_EQ(StatusOf(response), 400) << response;
    EXPECT_NE(response.find("appears more than once"), std::string::npos) << response;
  }
}

}  // namespace
}  // namespace libsync::web
