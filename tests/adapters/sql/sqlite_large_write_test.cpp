// A large write transaction on SQLite (a first import) keeps its changed pages in memory
// until it commits, and gives that memory back when it ends. With the connection's
// 512 KiB page cache as the line, SQLite wrote ("spilled") changed pages into the WAL one
// at a time while the transaction ran: 2,973 spills for 3,000 rows of 4 KB below, and a
// first import of 10,000 files took 0.47 s instead of 0.37 s.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "connection.hpp"
#include "database_url.hpp"
#include "temp_dir.hpp"

namespace libsync::sql {
namespace {

// On one of the store's connections: the pages a large transaction changed are held in
// memory while it runs and freed down to the cache's size by its commit.
TEST(SqliteLargeWriteConnection, HoldsItsChangedPagesUntilItEndsAndThenGivesThemBack) {
  testing::TempDir dir;
  auto target = ParseUrl("sqlite://" + dir.path() + "/db");
  ASSERT_TRUE(target.has_value());
  Connection c = OpenConnection(*target, {});
  sqlite3* db = c.sqlite.get();
  const auto exec = [db](const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
  };
  const auto cache_used = [db] {
    int used = 0, highwater = 0;
    EXPECT_EQ(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_USED, &used, &highwater, 0), SQLITE_OK);
    return used;
  };
  exec("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)");
  exec("BEGIN");
  // 3,000 rows of 4 KB under keys in no order: about 13 MB of pages.
  exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
       "INSERT INTO t SELECT hex(randomblob(16)), zeroblob(4000) FROM n");
  const int during = cache_used();
  int spills = 0, unused = 0;
  ASSERT_EQ(sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_SPILL, &spills, &unused, 0), SQLITE_OK);
  exec("COMMIT");
  const int after = cache_used();
  EXPECT_EQ(spills, 0) << "pages were written into the WAL before the commit";
  EXPECT_GT(during, 10 << 20) << "the transaction's pages were not held until its commit";
  EXPECT_LT(after, 2 << 20) << "the connection kept " << after << " bytes of pages after the commit";
}

}  // namespace
}  // namespace libsync::sql
