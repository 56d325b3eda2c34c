#pragma once
// Writing FormatTimestamp's text into a caller's buffer, without a temporary string: for
// the JSON the core and the HTTP adapter write by hand (event payloads, doc responses).
//
// Not installed and not API: the core and its in-tree adapters share it through the
// build tree's include path (libsync/internal). Everyone else calls FormatTimestamp.

#include <cstddef>
#include <string>

#include "libsync/timestamp.hpp"

namespace libsync {

/// The length of every FormatTimestamp text.
inline constexpr std::size_t kTimestampChars = 24;

/// Appends FormatTimestamp(t) to `out`.
void AppendTimestamp(std::string& out, Timestamp t);

/// Writes FormatTimestamp(t) at `out` (kTimestampChars bytes) and returns the end.
char* WriteTimestamp(char* out, Timestamp t) noexcept;

}  // namespace libsync
