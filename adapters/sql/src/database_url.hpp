#pragma once
// Database URLs: which database a store URL names, and how to reach it.

#include <string>

#include "dialect.hpp"
#include "libsync/result.hpp"

namespace libsync::sql {

struct Target {
  Dialect dialect;
  std::string connect_string;  ///< PostgreSQL: libpq keywords
  std::string display;         ///< for messages: the URL without a password
  std::string sqlite_path;     ///< SQLite: the database file, as the URL gave it
  /// PostgreSQL: the URL's `schema` parameter (Prisma's): the connection's search path, and
  /// where migrations create the tables. Empty: the server's default search path.
  std::string schema;
};

/// Expected errors: kInvalidArgument (unknown scheme, empty path, a query parameter that is
/// neither `schema` nor one of libpq's connection parameters, a schema name that is not a
/// plain identifier).
Result<Target> ParseUrl(const std::string& url);

}  // namespace libsync::sql
