#pragma once
// The one place that decides what a Caller may do with a project.

#include <string_view>

#include "libsync/caller.hpp"
#include "libsync/status.hpp"

namespace libsync::detail {

enum class Access {
  kRead,   ///< any key of the project, or the admin
  kWrite,  ///< a write-scoped key of the project, or the admin
  kAdmin,  ///< the admin only
};

/// Ok, or kNotFound when a key asks about another project (so ids cannot be probed),
/// or kPermissionDenied when the scope is too small.
Status CheckAccess(const Caller& caller, std::string_view project_id, Access access);

/// Ok for the admin, kPermissionDenied for anyone else.
Status RequireAdmin(const Caller& caller);

}  // namespace libsync::detail
