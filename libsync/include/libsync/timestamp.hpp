#pragma once
// Timestamp and Duration: wall-clock instants as used throughout the model (UTC,
// millisecond precision), and their ISO-8601 text.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace libsync {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

/// ISO-8601 UTC with milliseconds: "2026-01-03T18:18:00.000Z".
std::string FormatTimestamp(Timestamp t);

/// Parses the form FormatTimestamp writes, and also accepts no fraction, fewer or more
/// fraction digits, a space instead of 'T', and no 'Z' (as SQL drivers return it).
/// Returns nullopt on anything else.
std::optional<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace libsync
