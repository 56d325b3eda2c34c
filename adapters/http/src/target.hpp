#pragma once
// Splitting a request target into raw path segments and decoded query parameters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace libsync::web {

struct Target {
  std::vector<std::string> segments;          ///< raw (still percent-encoded), split on '/'
  std::map<std::string, std::string> query;   ///< decoded; a repeated key keeps the first value
};

/// Nullopt when the target is not an origin-form path ("/…") or its query is malformed.
std::optional<Target> ParseTarget(std::string_view target);

/// Percent-decodes `text` ('+' stays '+'); nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace libsync::web
