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
};

/// Expected errors: kInvalidArgument (unknown scheme, empty path).
Result<Target> ParseUrl(const std::string& url);

}  // namespace libsync::sql
