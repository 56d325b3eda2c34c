// PostgreSQL statements are prepared once per connection, their Parse riding in the
// pipeline where they are first used. A Parse the server skipped (an earlier statement in
// the same pipeline failed) must not be taken for prepared.

#include <gtest/gtest.h>

#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"

namespace libsync::testing {
namespace {

TEST(PgStatements, AStatementWhoseParseWasSkippedIsPreparedAgainLater) {
  LIBSYNC_POSTGRES_OR_SKIP(cluster);
  // One connection, so both transactions use it.
  auto store = sql::OpenSqlStore({.url = cluster->NewDatabase(), .pool_size = 1});
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  const Timestamp now{std::chrono::milliseconds(1767225600000)};

  // The lock row's insert is queued; the first read sends it, and this connection's first
  // expired-locks query (Parse included) behind it. The insert fails (no such project), so
  // the server skips the rest of the pipeline, that Parse too.
  const Status failed = (*store)->Transact(TxMode::kWrite, [&](Transaction& tx) -> Status {
    Lock l;
    l.id = "l1";
    l.project_id = "no-such-project";
    l.locked_by = "x";
    l.locked_at = now;
    l.expires_at = now;
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
    return tx.ListExpiredLocks(now).status();
  });
  EXPECT_EQ(failed.code(), ErrorCode::kNotFound) << failed.ToString();

  const Status read = (*store)->Transact(TxMode::kRead, [&](Transaction& tx) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(auto expired, tx.ListExpiredLocks(now));
    EXPECT_TRUE(expired.empty());
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
}

}  // namespace
}  // namespace libsync::testing
