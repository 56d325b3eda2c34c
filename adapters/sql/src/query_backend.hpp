#pragma once
// The statement interface every database implements (SqliteQuery, PgQuery), so that the
// store's SQL is written once, against Query (query.hpp), for both. A backend runs one
// statement at a time with its values bound as parameters, and copies result columns
// into the caller's variables row by row.
//
// It is a concept rather than a virtual base: Query holds its backend by value in a
// variant, so a statement costs no allocation and no indirect call, as before the split.

#include <boost/container/small_vector.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <variant>

namespace libsync::sql {

/// A caller's variable bound to a parameter (read when the statement runs) or to a
/// result column (written per row). Text, 64-bit and 32-bit integers are all the store
/// needs: timestamps travel as ISO-8601 text, booleans as 0/1.
using Slot = std::variant<std::string*, long long*, int*>;
/// Rows have a dozen columns at most: kept inline, no allocation per statement.
using Slots = boost::container::small_vector<Slot, 12>;

/// What a database's statement offers. `sql` names its parameters `:name`
/// (placeholders.hpp); `inputs` are bound in order, `outputs` receive the columns in
/// select-list order. Every call throws the database's error type (SqliteError, PgError:
/// error_mapping.hpp), UnstorableValue for a value the database cannot hold, and BadRow
/// for a column that does not fit its variable (a NULL, text for a number).
template <class B>
concept QueryBackend = requires(B backend, std::string_view sql, const Slots& slots) {
  /// Executes `sql` and fetches the first row into `outputs`; false when there is none.
  { backend.Run(sql, slots /*inputs*/, slots /*outputs*/) } -> std::same_as<bool>;
  /// The next row into `outputs`; false after the last.
  { backend.Next(slots) } -> std::same_as<bool>;
  /// Rows the statement inserted, updated or deleted.
  { backend.Affected() } -> std::same_as<long long>;
  /// For a statement whose result nobody reads: the backend may hold it back and send it
  /// with the next statement that runs (PostgreSQL pipelines it), or run it now (SQLite).
  { backend.Queue(sql, slots /*inputs*/) } -> std::same_as<void>;
};

}  // namespace libsync::sql
