// Request bodies built to cost the server CPU: each is refused, and quickly, so that a few
// of them cannot stall every worker.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

class HostileBodies : public ServerFixture {};

// ~116k distinct keys in 1 MiB: the duplicate-key check compared every key with every key
// before it (~7e9 compares, a minute of one worker under ASan).
TEST_F(HostileBodies, AMegabyteOfDistinctKeysIsRefusedWithinASecond) {
  StartServer();
  const char* digits = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string body = "{";
  for (std::size_t i = 0; body.size() < 1024 * 1024 - 16; ++i) {
    if (i > 0) body += ',';
    body += '"';
    for (std::size_t n = i, k = 0; k < 4; ++k, n /= 36) body += digits[n % 36];
    body += "\":0";
  }
  body += '}';
  Client c(port());
  const auto started = std::chrono::steady_clock::now();
  c.Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string response = c.ReadResponse(10s);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(StatusOf(response), 400) << response.substr(0, 300);
  EXPECT_NE(response.find("unknown field"), std::string::npos) << response.substr(0, 300);
  EXPECT_LT(elapsed, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
  std::printf("refused in %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  EXPECT_EQ(StatusOf(Client(port()).Get(DocPath("a.md"), AdminHeader())), 404);
}

// The same number of keys inside the one allowed field: only top-level keys are tracked.
TEST_F(HostileBodies, AMegabyteOfDistinctKeysInsideAFieldIsRefusedWithinASecond) {
  StartServer();
  const char* digits = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string body = "{\"content\":{";
  for (std::size_t i = 0; body.size() < 1024 * 1024 - 16; ++i) {
    if (i > 0) body += ',';
    body += '"';
    for (std::size_t n = i, k = 0; k < 4; ++k, n /= 36) body += digits[n % 36];
    body += "\":0";
  }
  body += "}}";
  Client c(port());
  const auto started = std::chrono::steady_clock::now();
  c.Send("PUT " + DocPath("a.md") + " HTTP/1.1\r\nHost: x\r\n" + AdminHeader() +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string response = c.ReadResponse(10s);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(StatusOf(response), 400) << response.substr(0, 300);
  EXPECT_LT(elapsed, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
  EXPECT_EQ(StatusOf(Client(port()).Get(DocPath("a.md"), AdminHeader())), 404);
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
