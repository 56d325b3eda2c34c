#pragma once
// Finding a request's entry in the route table, without allocating: the path is split into
// views over the request target, and each entry's template was split once, at first use.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "route_table.hpp"

namespace libsync::web {

/// The raw (still percent-encoded) segments of a target's path, as views into the target,
/// in a fixed buffer: no allocation. Paths with more segments than that do not fit (Split
/// returns nullopt); the callers fall back to ParseTarget for them.
class PathSegments {
 public:
  static constexpr std::size_t kCapacity = 32;
  /// Nullopt when `target` does not start with '/' or has more than kCapacity segments.
  static std::optional<PathSegments> Split(std::string_view target);
  std::span<const std::string_view> view() const { return {segments_.data(), size_}; }

 private:
  std::array<std::string_view, kCapacity> segments_;
  std::size_t size_ = 0;
};

/// Where a request matched an entry: the entry and its parameters, as raw segments.
struct RouteMatch {
  const Route* route = nullptr;
  std::string_view id;        ///< `:id` or `:keyId`, raw
  std::string_view number;    ///< `:n`, raw
  bool has_number = false;    ///< whether the template has `:n`
  std::size_t file_from = 0;  ///< `:fileName` is segments [file_from, file_to), raw
  std::size_t file_to = 0;
};

/// Whether the request's routes include the git sync ones (the Api has a GitSyncService).
enum class GitRoutes : bool { kAbsent, kPresent };

/// The first entry whose method and path match `segments` (the path after the leading '/').
std::optional<RouteMatch> MatchRoute(std::string_view method, std::span<const std::string_view> segments,
                                     GitRoutes git);

/// Whether the path, as sent, ends in a sub-resource of a doc (`…/docs/a.md/history`,
/// `…/versions/3`, `…/revert`, `…/push`): it then names that sub-resource for every method,
/// never the doc "a.md/history" (MatchRoute).
bool NamesADocSubResource(std::span<const std::string_view> segments, GitRoutes git);

/// As MatchRoute, on a whole request target (its query ignored). Splits into PathSegments,
/// and only a path deeper than that allocates (ParseTarget). Nullopt for a malformed target.
/// The match's views point into `target`.
std::optional<RouteMatch> MatchTarget(std::string_view method, std::string_view target, GitRoutes git);

/// The methods served on this path ("GET, HEAD, POST, DELETE"), for a 405's Allow header:
/// the table's, with HEAD after a GET that serves it (Route::ServesHead); empty when no
/// entry's path matches (a 404).
std::string AllowedMethods(std::span<const std::string_view> segments, GitRoutes git);

/// The metrics label of a request: the template of the entry it matches ("/api/projects/:id/
/// lock"), or of the first entry with its path when the method is wrong, else "unmatched".
/// A static string, found without allocating for any path of up to PathSegments::kCapacity
/// segments (deeper ones are "unmatched"), so a client cannot mint new series.
std::string_view RouteLabel(std::string_view method, std::string_view target);

}  // namespace libsync::web
