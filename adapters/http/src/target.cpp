#include "target.hpp"

#include <algorithm>

namespace libsync::web {
Result<Target> ParseTarget(std::string_view target) {
  const Status malformed = Status::InvalidArgument("malformed request target");
  if (target.empty() || target.front() != '/') return malformed;
  Target out;
  std::string_view path = target, query;
  if (const auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  path.remove_prefix(1);
  out.segments.reserve(static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) + 1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) out.segments.emplace_back();  // a trailing slash leaves an empty segment
  }
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq));
    auto value = eq == std::string_view::npos ? std::optional<std::string>("") : PercentDecode(pair.substr(eq + 1));
    if (!key || !value) return malformed;
    if (out.query.contains(*key)) return Status::InvalidArgument("query parameter '" + *key + "' is given twice");
    out.query.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace libsync::web
