#pragma once
// One SQLite statement of a hand-written baseline, prepared once and run many times:
// values are bound in order, a run checks that exactly as many were bound as the statement
// has parameters, and any failure ends the benchmark (bench::Fail), so a baseline cannot
// time a statement that did nothing.

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

namespace libsync::bench {

class SqliteStatement {
 public:
  /// What one run gave: its first row's columns as text (none for a statement without
  /// rows), and how many rows it changed.
  struct Outcome {
    std::vector<std::string> row;
    long long changed = 0;
    /// The first column as a number (0 when there is no row).
    long long Number() const;
  };

  SqliteStatement(sqlite3* db, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  /// Binds the next parameter. Not copied: `value` must stay alive until Run.
  SqliteStatement& Text(std::string_view value);
  SqliteStatement& Number(long long value);
  /// Runs it with the values bound since the last run, then makes it ready for the next.
  Outcome Run();

 private:
  [[noreturn]] void Fail(const std::string& what) const;

  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  int bound_ = 0;
};

}  // namespace libsync::bench
