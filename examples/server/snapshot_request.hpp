#pragma once
// The command's side of a backup taken by the running server: POST /api/admin/backup over
// the loopback address the server published (data_dir.hpp, ServerAddress).

#include <string>

#include "data_dir.hpp"
#include "libsync/http/api.hpp"

namespace aitk_server {

/// Asks the server at `address` to write a snapshot into its backups directory, with the
/// admin token. Over https the server's own certificate (address.certificate) is the only
/// one trusted, and no host name is checked: the address is a loopback one, published by the
/// server holding the data directory. Waits as long as the copy takes. Expected errors:
/// kUnavailable (no answer, TLS refused), kUnauthenticated (the token refused), and the
/// route's own (kLockHeld, kRateLimited, kInvalidArgument), each with the server's message.
libsync::Result<libsync::web::StoreSnapshot> RequestSnapshot(const ServerAddress& address,
                                                             const std::string& admin_token);

}  // namespace aitk_server
