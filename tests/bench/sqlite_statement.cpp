#include "sqlite_statement.hpp"

#include "bench_fail.hpp"

namespace libsync::bench {

SqliteStatement::SqliteStatement(sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) != SQLITE_OK) {
    bench::Fail("prepare: " + std::string(sqlite3_errmsg(db)) + ": " + sql);
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

SqliteStatement& SqliteStatement::Text(std::string_view value) {
  sqlite3_bind_text(statement_, ++bound_, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}

SqliteStatement& SqliteStatement::Number(long long value) {
  sqlite3_bind_int64(statement_, ++bound_, value);
  return *this;
}

StatementOutcome SqliteStatement::Run() {
  if (bound_ != sqlite3_bind_parameter_count(statement_)) Fail("values bound do not match the parameters");
  bound_ = 0;
  StatementOutcome out;
  int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(statement_); ++c) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, c));
      out.row.emplace_back(text ? text : "");
    }
    rc = sqlite3_step(statement_);
  }
  if (rc != SQLITE_DONE) Fail(sqlite3_errmsg(db_));
  sqlite3_reset(statement_);
  out.changed = sqlite3_changes64(db_);
  return out;
}

void SqliteStatement::Fail(const std::string& what) const {
  bench::Fail(what + ": " + sqlite3_sql(statement_));
}

}  // namespace libsync::bench
