// What a store or git failure says stays in the server's log: clients, unauthenticated
// ones included, get a generic message. The server's own 503s keep theirs.

#include <gtest/gtest.h>

#include <string>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

const std::string kLibpqText =
    "database unavailable: connection to server at \"10.20.30.40\", port 5432 failed: Connection refused";

class InternalDetails : public ServerFixture {};

TEST_F(InternalDetails, AStoreOutageAnswersAGenericMessageToEveryone) {
  StartServer();
  store_.FailWith(Status::Unavailable(kLibpqText, "sql/08001"));
  for (const std::string& headers : {std::string("X-API-Key: a-well-formed-key-that-matches-nothing\r\n"), KeyHeader(), AdminHeader()}) {
    SCOPED_TRACE(headers);
    store_.FailAt(0);
    Client c(port());
    const std::string response = c.Get("/api/hook/status/" + project_, headers);
    ASSERT_EQ(StatusOf(response), 503) << response;
    EXPECT_EQ(response.find("10.20.30.40"), std::string::npos) << response;
    EXPECT_EQ(response.find("5432"), std::string::npos) << response;
    EXPECT_NE(response.find("database unavailable; retry shortly"), std::string::npos) << response;
  }
  // An event stream's opening too.
  store_.FailAt(0);
  Client stream(port());
  stream.Send(SseRequest(KeyHeader()));
  const std::string refused = stream.ReadResponse();
  ASSERT_EQ(StatusOf(refused), 503) << refused;
  EXPECT_EQ(refused.find("10.20.30.40"), std::string::npos) << refused;
}

}  // namespace
}  // namespace libsync::web
