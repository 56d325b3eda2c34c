#pragma once
// Where SQLite's and PostgreSQL's SQL differ, in one place. The store's statements are
// written once (sql_transaction_*.cpp); a statement that needs a dialect's form takes
// the piece from here, and a text that must be cached per dialect is built once per
// dialect with PerDialect. Differences in how an operation is carried out (not only in
// its text) are listed in docs/storage.md ("Dialects").

#include <string>

#include "libsync/ports/store.hpp"

namespace libsync::sql {

enum class Dialect { kSqlite, kPostgres };

/// The statement that opens a transaction. SQLite: IMMEDIATE for writers (the write lock
/// up front, so a writer never fails half-way on a busy database). PostgreSQL: writers
/// serialize per project with SELECT ... FOR UPDATE, which READ COMMITTED re-reads after
/// the wait; readers get one snapshot.
const char* BeginStatement(Dialect dialect, TxMode mode);

/// `param` as a timestamp where PostgreSQL cannot infer the type from a column (an
/// INSERT's VALUES list of an upsert, a CTE): an explicit cast there, the text on SQLite.
std::string TimeParam(Dialect dialect, const char* param);

/// `param` as a nullable timestamp: '' means NULL.
std::string NullableTime(Dialect dialect, const char* param);

/// ORDER BY "fileName" in byte order: PostgreSQL's collation may not be bytewise.
const char* OrderByFileName(Dialect dialect);

/// A statement text per dialect, built once by `build(dialect)`: SQLite's statement cache
/// then finds it by its address, and no text is built per call. `Build` must be a
/// lambda written at the call site (each call site its own texts).
template <class Build>
const std::string& PerDialect(Dialect dialect, Build&& build) {
  static const std::string texts[] = {build(Dialect::kSqlite), build(Dialect::kPostgres)};
  return texts[dialect == Dialect::kPostgres ? 1 : 0];
}

/// Column types for the schema (schema.cpp): the original platform (Prisma on
/// PostgreSQL) used TIMESTAMP(3) times and BOOLEAN flags; SQLite stores times as
/// ISO-8601 text, which sorts correctly because every value is written in the same
/// fixed-width form.
struct ColumnTypes {
  const char* time;
  const char* boolean;
  const char* boolean_true;
  const char* bigint;
};
ColumnTypes TypesFor(Dialect dialect);

}  // namespace libsync::sql
