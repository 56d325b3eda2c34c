#pragma once
// What one run of a hand-written baseline's SQL statement gave, whichever driver ran it
// (SQLite's C API or libpq): the baselines check it, so none can time a statement that
// did nothing.

#include <cstdlib>
#include <string>
#include <vector>

namespace libsync::bench {

struct StatementOutcome {
  /// The first row's columns as text; empty for a statement without rows.
  std::vector<std::string> row;
  /// How many rows it changed.
  long long changed = 0;
  /// The first column as a number (0 when there is no row).
  long long Number() const { return row.empty() ? 0 : std::atoll(row.front().c_str()); }
};

}  // namespace libsync::bench
