#pragma once
// One SQLite statement of a hand-written baseline, prepared once and run many times:
// values are bound in order, a run checks that exactly as many were bound as the statement
// has parameters, and any failure ends the benchmark (bench::Fail), so a baseline cannot
// time a statement that did nothing.

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "statement_outcome.hpp"

namespace libsync::bench {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  /// Binds the next parameter. Not copied: `value` must stay alive until Run.
  SqliteStatement& Text(std::string_view value);
  SqliteStatement& Number(long long value);
  /// Runs it with the values bound since the last run, then makes it ready for the next.
  StatementOutcome Run();

 private:
  [[noreturn]] void Fail(const std::string& what) const;

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  int bound_ = 0;
};

}  // namespace libsync::bench
