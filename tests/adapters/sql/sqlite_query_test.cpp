// SQLite connections carry the store's settings, and Query runs statements on them with
// every value bound, every row read as written, and a row that does not fit refused.
// Private helpers of the adapter, tested directly.

#include <gtest/gtest.h>

#include <string>

#include "connection.hpp"
#include "error_mapping.hpp"
#include "query.hpp"
#include "temp_dir.hpp"

namespace libsync::sql {
namespace {

class SqliteQueryTest : public ::testing::Test {
 protected:
  Connection Open(SqlStoreOptions options = {}) {
    auto target = ParseUrl("sqlite://" + dir_.path() + "/store.db");
    EXPECT_TRUE(target.has_value());
    return OpenConnection(*target, options);
  }
  static long long Pragma(const Channel& channel, const std::string& sql) {
    long long value = -1;
    Query q(channel);
    q.Into(value);
    EXPECT_TRUE(q.Run(sql));
    return value;
  }
  libsync::testing::TempDir dir_;
};

TEST_F(SqliteQueryTest, ConnectionsCarryTheDurabilitySettings) {
  Connection full = Open();
  const Channel channel{full.statements.get(), nullptr};
  std::string mode;
  Query journal(channel);
  journal.Into(mode);
  ASSERT_TRUE(journal.Run("PRAGMA journal_mode"));
  EXPECT_EQ(mode, "wal");
  EXPECT_EQ(Pragma(channel, "PRAGMA synchronous"), 2) << "FULL";
  EXPECT_EQ(Pragma(channel, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Pragma(channel, "PRAGMA busy_timeout"), 5000);

  SqlStoreOptions normal;
  normal.sqlite_synchronous_full = false;
  normal.sqlite_busy_timeout = std::chrono::milliseconds(250);
  Connection other = Open(normal);
  const Channel other_channel{other.statements.get(), nullptr};
  EXPECT_EQ(Pragma(other_channel, "PRAGMA synchronous"), 1) << "NORMAL";
  EXPECT_EQ(Pragma(other_channel, "PRAGMA busy_timeout"), 250);
}

TEST_F(SqliteQueryTest, ValuesAreBoundAndRowsReadByteForByte) {
  Connection c = Open();
  const Channel channel{c.statements.get(), nullptr};
  Query(channel).Run(R"(CREATE TABLE "T" ("k" TEXT PRIMARY KEY, "n" INTEGER NOT NULL))");
  std::string key = std::string("it's \"quoted\"; DROP TABLE \"T\"; --\0tail", 38);
  long long n = 1LL << 40;
  Query insert(channel);
  insert.Use(key).Use(n);
  insert.Run(R"(INSERT INTO "T" ("k", "n") VALUES (:k, :n))");
  EXPECT_EQ(insert.Affected(), 1);

  std::string read_key;
  long long read_n = 0;
  Query select(channel);
  select.Into(read_key).Into(read_n).Use(key);
  ASSERT_TRUE(select.Run(R"(SELECT "k", "n" FROM "T" WHERE "k" = :k)"));
  EXPECT_EQ(read_key, key);
  EXPECT_EQ(read_n, n);
  EXPECT_FALSE(select.Next());
}

TEST_F(SqliteQueryTest, ConstraintViolationsCarryTheirExtendedCode) {
  Connection c = Open();
  const Channel channel{c.statements.get(), nullptr};
  Query(channel).Run(R"(CREATE TABLE "P" ("id" TEXT PRIMARY KEY))");
  Query(channel).Run(R"(CREATE TABLE "C" ("p" TEXT NOT NULL REFERENCES "P"("id")))");
  std::string missing = "nobody";
  Query insert(channel);
  insert.Use(missing);
  try {
    insert.Run(R"(INSERT INTO "C" ("p") VALUES (:p))");
    FAIL() << "a foreign key violation was accepted";
  } catch (const SqliteError& e) {
    EXPECT_EQ(e.code(), SQLITE_CONSTRAINT_FOREIGNKEY);
    EXPECT_EQ(MapSqlError(e).status.code(), ErrorCode::kNotFound);
  }
}

TEST_F(SqliteQueryTest, ARowThatDoesNotFitIsAnInternalError) {
  Connection c = Open();
  const Channel channel{c.statements.get(), nullptr};
  std::string text;
  Query null_column(channel);
  null_column.Into(text);
  try {
    null_column.Run("SELECT NULL");
    FAIL() << "a NULL was read as text";
  } catch (const BadRow& e) {
    EXPECT_EQ(MapSqlError(e).status.code(), ErrorCode::kInternal);
  }
  Query too_few(channel);
  EXPECT_THROW(too_few.Run("SELECT :a"), BadRow) << "a parameter without a value";
}

TEST_F(SqliteQueryTest, RunTogetherFetchesTheFirstRowOfEach) {
  Connection c = Open();
  const Channel channel{c.statements.get(), nullptr};
  long long one = 0, none = 0;
  Query first(channel), second(channel);
  first.Into(one);
  second.Into(none);
  const auto [first_row, second_row] = Query::RunTogether(first, "SELECT 1", second, "SELECT 2 WHERE 0");
  EXPECT_TRUE(first_row);
  EXPECT_EQ(one, 1);
  EXPECT_FALSE(second_row);
}

}  // namespace
}  // namespace libsync::sql
