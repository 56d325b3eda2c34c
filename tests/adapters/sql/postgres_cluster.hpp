#pragma once
// A throwaway PostgreSQL cluster for tests: initdb into a temp dir, pg_ctl start on a free
// loopback port, one fresh database per request, stopped and removed at exit.

#include <memory>
#include <string>

namespace libsync::testing {

class PostgresCluster {
 public:
  /// The process-wide cluster, started on first use. Null when PostgreSQL cannot be
  /// started; `Unavailable()` then says why.
  static PostgresCluster* Get();
  static const std::string& Unavailable();

  /// URL of a new, empty database.
  std::string NewDatabase();
  /// libpq keywords for a database NewDatabase returned, for SQL the tests run themselves.
  std::string ConnectStringFor(const std::string& url) const;
  /// libpq keywords for the maintenance database, for SQL the tests run themselves.
  std::string AdminConnectString() const;

  /// Stops the server as a crash would (pg_ctl -m immediate): connections drop at once.
  bool StopImmediately();
  /// Starts it again on the same port; returns once it accepts connections.
  bool Start();
  /// Terminates every session on the database of `url` (pg_terminate_backend, from a
  /// separate admin connection); returns how many there were.
  int TerminateSessions(const std::string& url);
  /// Creates a login role `user` with `password` that must authenticate with it
  /// (scram-sha-256 over TCP), makes it the owner of the database of `url`, and returns
  /// the URL for it, with user and password percent-encoded.
  std::string AddPasswordUser(const std::string& url, const std::string& user, const std::string& password);

  ~PostgresCluster();

 private:
  PostgresCluster() = default;
  bool Start(std::string* why);
  std::string PgCtl(const std::string& action) const;

  std::string dir_;
  std::string base_url_;  // without the database name
  int port_ = 0;
  int next_db_ = 0;
};

/// True when the test must not skip for lack of PostgreSQL (CI sets CI=true).
bool PostgresRequired();

}  // namespace libsync::testing

/// In a GoogleTest body or SetUp: declares `var`, the shared cluster. Without one the test
/// fails where PostgreSQL is required and is skipped elsewhere, saying why either way.
#define LIBSYNC_POSTGRES_OR_SKIP(var)                                                        \
  ::libsync::testing::PostgresCluster* const var = ::libsync::testing::PostgresCluster::Get(); \
  if (!var) {                                                                                \
    if (::libsync::testing::PostgresRequired()) FAIL() << ::libsync::testing::PostgresCluster::Unavailable(); \
    GTEST_SKIP() << ::libsync::testing::PostgresCluster::Unavailable();                      \
  }
