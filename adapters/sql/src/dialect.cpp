#include "dialect.hpp"

namespace libsync::sql {

const char* BeginStatement(Dialect dialect, TxMode mode) {
  if (dialect == Dialect::kSqlite) return mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
  return mode == TxMode::kWrite ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
}

std::string TimeParam(Dialect dialect, const char* param) {
  if (dialect == Dialect::kPostgres) return std::string("CAST(") + param + " AS TIMESTAMP(3))";
  return param;
}

std::string NullableTime(Dialect dialect, const char* param) {
  // PostgreSQL cannot infer a timestamp from NULLIF(text, ''), so it gets an explicit cast;
  // SQLite stores the text as it is.
  if (dialect == Dialect::kPostgres) return std::string("CAST(NULLIF(") + param + ", '') AS TIMESTAMP(3))";
  return std::string("NULLIF(") + param + ", '')";
}

const char* OrderByFileName(Dialect dialect) {
  return dialect == Dialect::kPostgres ? R"(ORDER BY "fileName" COLLATE "C")" : R"(ORDER BY "fileName")";
}

ColumnTypes TypesFor(Dialect dialect) {
  if (dialect == Dialect::kPostgres) return {"TIMESTAMP(3)", "BOOLEAN", "true", "BIGINT"};
  return {"TEXT", "INTEGER", "1", "INTEGER"};
}

}  // namespace libsync::sql
