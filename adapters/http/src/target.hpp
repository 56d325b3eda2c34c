#pragma once
// Splitting a request target into raw path segments and decoded query parameters.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/percent_encoding.hpp"
#include "libsync/result.hpp"

namespace libsync::web {

struct Target {
  /// Raw (still percent-encoded), split on '/': views into the parsed target string,
  /// which must outlive them.
  std::vector<std::string_view> segments;
  std::map<std::string, std::string> query;   ///< decoded; each key once
};

/// kInvalidArgument when the target is not an origin-form path ("/…"), its query is
/// malformed, or it gives a parameter twice: which of two values counts is a matter on
/// which a proxy and this server could disagree, as with a JSON body's repeated key.
Result<Target> ParseTarget(std::string_view target);

}  // namespace libsync::web
