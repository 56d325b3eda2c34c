#pragma once
// Percent-decoding (RFC 3986), shared by every adapter that reads URLs.

#include <optional>
#include <string>
#include <string_view>

namespace libsync {

/// Decodes %XX escapes ('+' stays '+'); nullopt on a truncated or non-hex escape.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace libsync
