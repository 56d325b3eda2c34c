#pragma once
// Boost.JSON keeps the last of two equal keys in an object. A body such as
// {"content":"a","content":"b"} is ambiguous — a proxy or another parser in front of the
// server may act on the first — so request bodies with a repeated key are refused.

#include <optional>
#include <string>
#include <string_view>

namespace libsync::web {

/// The first key that appears twice in the outermost object of `json`, or nullopt when
/// none does or when `json` is not valid JSON (the real parse reports that). Linear in
/// the size of `json`. Keys of nested objects are not looked at: request fields are
/// scalars, and a nested object is refused by its field's type check.
std::optional<std::string> FindDuplicateKey(std::string_view json);

}  // namespace libsync::web
