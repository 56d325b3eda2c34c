#pragma once
// The one place where SOCI, SQLite and PostgreSQL errors become libsync Status values.

#include <exception>
#include <stdexcept>

#include "libsync/status.hpp"

namespace libsync::sql {

struct MappedError {
  Status status;
  /// A serialization failure, deadlock or busy database: rolling back and running the
  /// transaction again may succeed.
  bool retryable = false;
};

/// A value the database cannot hold as given (PostgreSQL text with a NUL byte). Thrown
/// before anything is sent; reported as kInvalidArgument, never stored cut short.
class UnstorableValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Classifies an exception thrown by SOCI by SQLSTATE (PostgreSQL) or result code
/// (SQLite), never by message text. The origin is "soci/<code>".
MappedError MapSqlError(const std::exception& error);

}  // namespace libsync::sql
