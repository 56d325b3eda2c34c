#pragma once
// The errors the SQL layer throws, and the one place where they become libsync Status
// values. Statements throw (rather than return a Status) so that a store operation reads
// as its SQL; SqlTransaction catches at each port method and maps here.

#include <exception>
#include <stdexcept>
#include <string>

#include "libsync/status.hpp"

namespace libsync::sql {

/// An error SQLite reported: its extended result code (SQLITE_CONSTRAINT_FOREIGNKEY, ...)
/// and its message.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/// An error PostgreSQL or libpq reported, with its SQLSTATE ("08006" for a connection
/// libpq lost, "08001" for one it could not open).
class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

/// A value the database cannot hold as given (PostgreSQL text with a NUL byte). Thrown
/// before anything is sent; reported as kInvalidArgument, never stored cut short.
class UnstorableValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A row that does not read as its model type: a NULL where a value was selected, a
/// column that is not a number, an unreadable timestamp. A corrupt row or a bug in a
/// statement, never the caller's input: kInternal.
class BadRow : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MappedError {
  Status status;
  /// A serialization failure, deadlock or busy database: rolling back and running the
  /// transaction again may succeed.
  bool retryable = false;
};

/// Classifies an exception thrown by the SQL layer by SQLSTATE (PostgreSQL) or extended
/// result code (SQLite), never by message text. The origin is "sql/<code>": the prefix
/// the adapter's errors carried before it was renamed, kept because operators' log
/// filters and docs/error-handling.md name it.
MappedError MapSqlError(const std::exception& error);

}  // namespace libsync::sql
