#include "target.hpp"

#include <algorithm>
#include <array>

namespace libsync::web {
std::optional<Target> ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
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
    if (!key || !value) return std::nullopt;
    out.query.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

std::string_view RouteTemplate(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (target == "/metrics") return "/metrics";
  // At most 8 segments matter; deeper fileNames only need their last two.
  std::array<std::string_view, 8> s;
  std::size_t n = 0;
  std::string_view last, second_last;
  for (std::size_t start = 1; start <= target.size();) {
    const std::size_t end = std::min(target.find('/', start), target.size());
    second_last = last;
    last = target.substr(start, end - start);
    if (n < s.size()) s[n] = last;
    ++n;
    start = end + 1;
  }
  if (n < 2 || s[0] != "api") return "unmatched";
  if (s[1] == "health" && n == 2) return "/api/health";
  if (s[1] == "hook" && n == 4) {
    if (s[2] == "status") return "/api/hook/status/:id";
    if (s[2] == "docs") return "/api/hook/docs/:id";
    if (s[2] == "sync") return "/api/hook/sync/:id";
    return "unmatched";
  }
  if (s[1] != "projects") return "unmatched";
  if (n == 2) return "/api/projects";
  if (n == 4 && s[2] == "api-keys") return "/api/projects/api-keys/:keyId";
  if (n == 3) return "/api/projects/:id";
  if (s[3] == "docs") {
    if (n == 4) return "/api/projects/:id/docs";
    if (n == 5 && s[4] == "sync") return "/api/projects/:id/docs/sync";
    if (n >= 6 && last == "history") return "/api/projects/:id/docs/:fileName/history";
    if (n >= 6 && last == "revert") return "/api/projects/:id/docs/:fileName/revert";
    if (n >= 6 && last == "push") return "/api/projects/:id/docs/:fileName/push";
    if (n >= 7 && second_last == "versions") return "/api/projects/:id/docs/:fileName/versions/:n";
    return "/api/projects/:id/docs/:fileName";
  }
  if (n == 4) {
    if (s[3] == "api-keys") return "/api/projects/:id/api-keys";
    if (s[3] == "push") return "/api/projects/:id/push";
    if (s[3] == "lock") return "/api/projects/:id/lock";
    if (s[3] == "consumers") return "/api/projects/:id/consumers";
    if (s[3] == "events") return "/api/projects/:id/events";
  }
  if (n == 5 && s[3] == "lock" && s[4] == "extend") return "/api/projects/:id/lock/extend";
  if (n == 5 && s[3] == "lock" && s[4] == "verify") return "/api/projects/:id/lock/verify";
  return "unmatched";
}

}  // namespace libsync::web
