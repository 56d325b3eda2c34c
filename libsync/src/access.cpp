#include "access.hpp"

#include "libsync/model/api_key.hpp"

namespace libsync::detail {

Status RequireAdmin(const Caller& caller) {
  if (caller.is_admin()) return Status::Ok();
  return Status::PermissionDenied("this operation needs the admin token");
}

Status CheckAccess(const Caller& caller, std::string_view project_id, Access access) {
  if (caller.is_admin()) return Status::Ok();
  if (caller.project_id() != project_id) {
    return Status::NotFound("project '" + std::string(project_id) + "' not found");
  }
  switch (access) {
    case Access::kRead:
      return Status::Ok();
    case Access::kWrite:
      if (caller.scope() == KeyScope::kWrite) return Status::Ok();
      return Status::PermissionDenied("this API key has read scope; writing needs a write key");
    case Access::kAdmin:
      return RequireAdmin(caller);
  }
  return Status::PermissionDenied("access denied");
}

}  // namespace libsync::detail
