// The settings the store adds to every PostgreSQL connection reach libpq and the socket,
// and a URL that sets its own keeps them.

#include "connection.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <map>

#include "postgres_cluster.hpp"

namespace libsync::sql {
namespace {

using libsync::testing::PostgresCluster;

std::map<std::string, std::string> Settings(PGconn* conn) {
  std::map<std::string, std::string> out;
  PQconninfoOption* options = PQconninfo(conn);
  for (PQconninfoOption* o = options; o && o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

int SocketOption(PGconn* conn, int level, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(getsockopt(PQsocket(conn), level, name, &value, &len), 0);
  return value;
}

Connection Open(const std::string& url) {
  auto target = ParseUrl(url);
  EXPECT_TRUE(target.has_value());
  return OpenConnection(*target, {});
}

TEST(PostgresConnection, KeepalivesAndUserTimeoutAreSetUnlessTheUrlSetsThem) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  const std::string url = cluster->NewDatabase();
  {
    Connection c = Open(url);
    auto s = Settings(c.pg.get());  // [] reads "" for a setting libpq does not have
    EXPECT_EQ(s["connect_timeout"], "5");
    EXPECT_EQ(s["keepalives"], "1");
    EXPECT_EQ(s["keepalives_idle"], "30");
    EXPECT_EQ(s["keepalives_interval"], "10");
    EXPECT_EQ(s["keepalives_count"], "3");
    EXPECT_EQ(s["tcp_user_timeout"], "30000");
    // And libpq applied them to the socket.
    EXPECT_EQ(SocketOption(c.pg.get(), SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT_EQ(SocketOption(c.pg.get(), IPPROTO_TCP, TCP_KEEPIDLE), 30);
    EXPECT_EQ(SocketOption(c.pg.get(), IPPROTO_TCP, TCP_KEEPINTVL), 10);
    EXPECT_EQ(SocketOption(c.pg.get(), IPPROTO_TCP, TCP_KEEPCNT), 3);
    EXPECT_EQ(SocketOption(c.pg.get(), IPPROTO_TCP, TCP_USER_TIMEOUT), 30000);
  }
  {
    Connection c = Open(url + "?keepalives_idle=7&tcp_user_timeout=1234&connect_timeout=3");
    auto s = Settings(c.pg.get());  // [] reads "" for a setting libpq does not have
    EXPECT_EQ(s["keepalives_idle"], "7");
    EXPECT_EQ(s["tcp_user_timeout"], "1234");
    EXPECT_EQ(s["connect_timeout"], "3");
    EXPECT_EQ(s["keepalives_count"], "3");  // not given: the default
    EXPECT_EQ(SocketOption(c.pg.get(), IPPROTO_TCP, TCP_KEEPIDLE), 7);
    EXPECT_EQ(SocketOption(c.pg.get(), IPPROTO_TCP, TCP_USER_TIMEOUT), 1234);
  }
}

}  // namespace
}  // namespace libsync::sql
