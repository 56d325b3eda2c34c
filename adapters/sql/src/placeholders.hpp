#pragma once
// The store's SQL texts name their parameters `:name` (readable, and the same text for
// both databases); each database wants its own positional form. Every `:name` outside
// quotes is its own parameter, in order of appearance (a name used twice is two
// parameters); `::` is a cast.

#include <string>
#include <string_view>

namespace libsync::sql {

/// SQLite's form: every placeholder becomes `?`.
std::string PositionalPlaceholders(std::string_view sql);

/// PostgreSQL's form: placeholders become `$1`, `$2`, ... in order.
std::string NumberedPlaceholders(std::string_view sql);

}  // namespace libsync::sql
