#include "route_match.hpp"

#include <vector>

#include "../target.hpp"

namespace libsync::web {
namespace {

/// An entry's template, split once: the segments before `:fileName` (or all of them), and
/// those after it.
struct CompiledRoute {
  const Route* route;
  std::vector<std::string_view> head;  // literals and one-segment parameters
  std::vector<std::string_view> tail;  // after :fileName, when there is one
  bool has_file = false;
};

std::vector<CompiledRoute> Compile() {
  std::vector<CompiledRoute> out;
  for (const Route& route : RouteTable()) {
    CompiledRoute c{&route, {}, {}, false};
    std::string_view path = route.path.substr(1);
    while (!path.empty()) {
      const auto slash = path.find('/');
      const std::string_view segment = path.substr(0, slash);
      if (segment == ":fileName") {
        c.has_file = true;
      } else {
        (c.has_file ? c.tail : c.head).push_back(segment);
      }
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash + 1);
    }
    out.push_back(std::move(c));
  }
  return out;
}

const std::vector<CompiledRoute>& Compiled() {
  static const std::vector<CompiledRoute> compiled = Compile();
  return compiled;
}

/// Matches one template segment against one raw request segment, noting parameters.
bool MatchSegment(std::string_view pattern, std::string_view segment, RouteMatch& match) {
  if (pattern.empty() || pattern.front() != ':') return pattern == segment;
  if (pattern == ":n") {
    // Digits only, so a doc in a folder named "versions" (api/versions/v2.md) stays a doc
    // for every method; a number out of range is the route's own 400.
    if (segment.empty() || segment.find_first_not_of("0123456789") != std::string_view::npos) return false;
    match.number = segment;
    match.has_number = true;
  } else {
    match.id = segment;  // :id or :keyId: no template has both
  }
  return true;
}

bool MatchPath(const CompiledRoute& c, std::span<const std::string_view> s, RouteMatch& match) {
  const std::size_t fixed = c.head.size() + c.tail.size();
  if (c.has_file ? s.size() <= fixed : s.size() != fixed) return false;
  for (std::size_t i = 0; i < c.head.size(); ++i) {
    if (!MatchSegment(c.head[i], s[i], match)) return false;
  }
  const std::size_t tail_from = s.size() - c.tail.size();
  for (std::size_t i = 0; i < c.tail.size(); ++i) {
    if (!MatchSegment(c.tail[i], s[tail_from + i], match)) return false;
  }
  if (c.has_file) {
    match.file_from = c.head.size();
    match.file_to = tail_from;
  }
  match.route = c.route;
  return true;
}

bool Served(const Route& route, GitRoutes git) { return git == GitRoutes::kPresent || !route.Has(kGitSync); }

}  // namespace

bool NamesADocSubResource(std::span<const std::string_view> segments, GitRoutes git) {
  for (const CompiledRoute& c : Compiled()) {
    RouteMatch ignored;
    if (c.has_file && !c.tail.empty() && Served(*c.route, git) && MatchPath(c, segments, ignored)) return true;
  }
  return false;
}

std::optional<PathSegments> PathSegments::Split(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;
  std::string_view path = target.substr(1, target.find('?') == std::string_view::npos ? target.size() - 1
                                                                                       : target.find('?') - 1);
  PathSegments out;
  for (;;) {
    if (out.size_ == kCapacity) return std::nullopt;
    const auto slash = path.find('/');
    out.segments_[out.size_++] = path.substr(0, slash);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  // "/" alone is no segment, as in ParseTarget; "/a/" keeps its trailing empty one.
  if (out.size_ == 1 && out.segments_[0].empty()) out.size_ = 0;
  return out;
}

std::optional<RouteMatch> MatchRoute(std::string_view method, std::span<const std::string_view> segments,
                                     GitRoutes git) {
  for (const CompiledRoute& c : Compiled()) {
    if (c.route->method != method || !Served(*c.route, git)) continue;
    RouteMatch match;
    if (!MatchPath(c, segments, match)) continue;
    // A raw path ending in a doc's sub-resource (`…/a.md/history`) is that sub-resource
    // for every method, so one URL never means two things; a doc of such a name is
    // reached with that '/' sent as %2F (one segment), which matches no sub-resource.
    if (c.has_file && c.tail.empty() && match.file_to - match.file_from > 1 && NamesADocSubResource(segments, git)) {
      continue;
    }
    return match;
  }
  return std::nullopt;
}

std::optional<RouteMatch> MatchTarget(std::string_view method, std::string_view target, GitRoutes git) {
  if (const auto segments = PathSegments::Split(target)) return MatchRoute(method, segments->view(), git);
  const auto parsed = ParseTarget(target);  // deeper than PathSegments holds: rare, and it allocates
  if (!parsed) return std::nullopt;
  return MatchRoute(method, parsed->segments, git);
}

std::string AllowedMethods(std::span<const std::string_view> segments, GitRoutes git) {
  std::string allow;
  for (const std::string_view method : {"GET", "POST", "PUT", "DELETE"}) {
    const auto match = MatchRoute(method, segments, git);
    if (!match) continue;
    if (!allow.empty()) allow += ", ";
    allow += method;
    if (match->route->ServesHead()) allow += ", HEAD";
  }
  return allow;
}

std::string_view RouteLabel(std::string_view method, std::string_view target) {
  const auto segments = PathSegments::Split(target);
  if (!segments) return "unmatched";  // deeper than any label needs: not worth an allocation here
  if (auto match = MatchRoute(method, segments->view(), GitRoutes::kPresent)) return match->route->path;
  for (const CompiledRoute& c : Compiled()) {
    RouteMatch ignored;
    if (MatchPath(c, segments->view(), ignored)) return c.route->path;
  }
  return "unmatched";
}

}  // namespace libsync::web
