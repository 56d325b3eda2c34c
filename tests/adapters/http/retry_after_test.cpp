// Every 503 tells the client when to come back (Retry-After): a store that is out of
// reach, and the server's own caps.

#include <gtest/gtest.h>

#include <string>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

bool HasRetryAfter(const std::string& response) {
  const std::string head = response.substr(0, response.find("\r\n\r\n") + 2);
  return head.find("\r\nretry-after: 1\r\n") != std::string::npos ||
         head.find("\r\nRetry-After: 1\r\n") != std::string::npos;
}

class RetryAfter : public ServerFixture {};

TEST_F(RetryAfter, AStoreOutageAnswers503WithRetryAfter) {
  StartServer();
  Client c(port());
  for (const std::string& target : {std::string("/api/projects"), "/api/projects/" + project_ + "/docs",
                                    "/api/hook/status/" + project_}) {
    SCOPED_TRACE(target);
    store_.FailAt(0);  // the next store call finds the database unreachable
    const std::string response = c.Get(target, target.starts_with("/api/hook") ? KeyHeader() : AdminHeader());
    ASSERT_EQ(StatusOf(response), 503) << response;
    EXPECT_TRUE(HasRetryAfter(response)) << response;
  }
  store_.FailAt(-1);
  EXPECT_EQ(StatusOf(c.Get("/api/projects", AdminHeader())), 200);
}

TEST_F(RetryAfter, AStoreOutageWhileOpeningAStreamAnswers503WithRetryAfter) {
  StartServer();
  Client c(port());
  store_.FailAt(0);
  c.Send(SseRequest(KeyHeader()));
  const std::string response = c.ReadResponse();
  ASSERT_EQ(StatusOf(response), 503) << response;
  EXPECT_TRUE(HasRetryAfter(response)) << response;
}

// The server's own 503s keep their message (only a store's or libgit2's is made generic).
TEST_F(RetryAfter, TheStreamCapAnswers503WithItsOwnMessageAndRetryAfter) {
  StartServer({.max_subscribers = 1});
  Client first(port());
  first.Send(SseRequest(KeyHeader()));
  ASSERT_EQ(StatusOf(ReadUntil(first, "\r\n\r\n")), 200);
  Client second(port());
  second.Send(SseRequest(AdminHeader()));
  const std::string refused = second.ReadResponse();
  ASSERT_EQ(StatusOf(refused), 503) << refused;
  EXPECT_TRUE(HasRetryAfter(refused)) << refused;
  EXPECT_NE(refused.find("too many event streams"), std::string::npos) << refused;
}

}  // namespace
}  // namespace libsync::web
