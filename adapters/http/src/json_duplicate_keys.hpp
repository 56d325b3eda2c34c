#pragma once
// Boost.JSON keeps the last of two equal keys in an object. A body such as
// {"content":"a","content":"b"} is ambiguous — a proxy or another parser in front of the
// server may act on the first — so request bodies with a repeated key are refused.

#include <optional>
#include <string>
#include <string_view>

namespace libsync::web {

/// The first key that appears twice in one object of `json`, or nullopt when none does or
/// when `json` is not valid JSON (the real parse reports that).
std::optional<std::string> FindDuplicateKey(std::string_view json);

}  // namespace libsync::web
