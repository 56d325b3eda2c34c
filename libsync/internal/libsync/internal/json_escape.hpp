#pragma once
// JSON string escaping (RFC 8259) for code that writes JSON text itself: the core's event
// payloads, and the HTTP adapter's responses that carry whole documents, where a general
// JSON serializer's byte-at-a-time escaping is most of the cost (docs/performance.md).
//
// Not installed and not API: the core and its in-tree adapters share it through the
// build tree's include path (libsync/internal). The scan uses GCC/Clang vector
// extensions: it tests 64 bytes a step while no byte needs escaping, then 16, then one.

#include <cstddef>
#include <string>
#include <string_view>

namespace libsync {

/// The length of `text` once escaped, quotes not included. Escaped are '"', '\\' and
/// control characters (\n \r \t \b \f, else \u00XX); all other bytes, UTF-8 included, are
/// kept as they are.
std::size_t JsonEscapedSize(std::string_view text);

/// Writes the escaped `text` (no quotes) at `out`, which has JsonEscapedSize(text) bytes of
/// room, and returns the end.
char* WriteJsonEscaped(char* out, std::string_view text);

/// Appends `text` to `out` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace libsync
