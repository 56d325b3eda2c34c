// GET /api/session: who the credentials stand for, so a page can show what they may do
// without trying a write. A key's name is given to write keys only: every version a write
// key saves carries its name as author, which any key of the project reads in the history,
// while a read key's name appears nowhere a key can read (key lists are the admin's, and
// key:revoked carries no name, libsync/src/key_service.cpp).

#include "handlers.hpp"

namespace libsync::web {

Response Session(RouteCall& call) {
  const Caller& caller = call.by();
  if (caller.is_admin()) return JsonResponse(200, boost::json::object{{"role", "admin"}});
  const bool write = caller.scope() == KeyScope::kWrite;
  boost::json::object out{{"role", "key"}, {"projectId", caller.project_id()}, {"scope", write ? "write" : "read"}};
  if (write) out["name"] = caller.name();
  return JsonResponse(200, out);
}

}  // namespace libsync::web
