#pragma once
// Splitting a request target into raw path segments and decoded query parameters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/percent_encoding.hpp"

namespace libsync::web {

struct Target {
  /// Raw (still percent-encoded), split on '/': views into the parsed target string,
  /// which must outlive them.
  std::vector<std::string_view> segments;
  std::map<std::string, std::string> query;   ///< decoded; a repeated key keeps the first value
};

/// Nullopt when the target is not an origin-form path ("/…") or its query is malformed.
std::optional<Target> ParseTarget(std::string_view target);

}  // namespace libsync::web
