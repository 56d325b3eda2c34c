// The SQLite statement cache is a private helper of the adapter, tested directly.
#include "sqlite_statements.hpp"

#include "error_mapping.hpp"

#include <gtest/gtest.h>

namespace libsync::sql {
namespace {

TEST(SqliteStatements, NamedPlaceholdersBecomePositionalOutsideQuotes) {
  EXPECT_EQ(PositionalPlaceholders(R"(SELECT "a:b", ':x' FROM "T" WHERE "id" = :id AND "n" = :n_2)"),
            R"(SELECT "a:b", ':x' FROM "T" WHERE "id" = ? AND "n" = ?)");
  // A name used twice is two parameters.
  EXPECT_EQ(PositionalPlaceholders("SELECT :v, :v, 'it''s :not', ::x"), "SELECT ?, ?, 'it''s :not', ::x");
}

class SqliteStatementsTest : public ::testing::Test {
 protected:
  SqliteStatementsTest() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    cache_ = std::make_unique<SqliteStatementCache>(db_);
  }
  ~SqliteStatementsTest() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  sqlite3* db_ = nullptr;
  std::unique_ptr<SqliteStatementCache> cache_;
};

TEST_F(SqliteStatementsTest, KeepsOneCompiledStatementPerTextAndResetsIt) {
  const std::string sql = "SELECT :a + :b";
  auto* first = cache_->Acquire(sql);
  ASSERT_EQ(sqlite3_bind_parameter_count(first), 2);
  sqlite3_bind_int(first, 1, 2);
  sqlite3_bind_int(first, 2, 3);
  ASSERT_EQ(sqlite3_step(first), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(first, 0), 5);
  cache_->Release(first);

  auto* again = cache_->Acquire(sql);
  EXPECT_EQ(again, first) << "compiled once";
  // Released means reset and unbound: NULL + NULL is NULL.
  ASSERT_EQ(sqlite3_step(again), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_type(again, 0), SQLITE_NULL);

  // While it is in use, the same text gets a statement of its own.
  auto* other = cache_->Acquire(sql);
  EXPECT_NE(other, again);
  cache_->Release(other);
  cache_->Release(again);
  EXPECT_EQ(cache_->Acquire(sql), first);
  cache_->Release(first);
}

// Texts are found by address first: a text seen at a new address, and a new text at an
// address seen before, must still get their own statements.
TEST_F(SqliteStatementsTest, FindsTextsWhereverTheyLive) {
  std::string text = "SELECT 1";
  auto* one = cache_->Acquire(text);
  cache_->Release(one);
  const std::string copy = text;
  EXPECT_EQ(cache_->Acquire(copy), one) << "same text, another address";
  cache_->Release(one);
  text.replace(7, 1, "2");  // same buffer, another text
  auto* two = cache_->Acquire(text);
  EXPECT_NE(two, one);
  ASSERT_EQ(sqlite3_step(two), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(two, 0), 2);
  cache_->Release(two);
  // Many texts built per call: the cache stays bounded and right.
  for (int i = 0; i < 1000; ++i) {
    const std::string built = "SELECT " + std::to_string(i % 3);
    auto* s = cache_->Acquire(built);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(s, 0), i % 3);
    cache_->Release(s);
  }
}

TEST_F(SqliteStatementsTest, ReportsSqlErrorsAsSqliteErrors) {
  EXPECT_THROW(cache_->Acquire("SELECT FROM nowhere"), SqliteError);
}

}  // namespace
}  // namespace libsync::sql
