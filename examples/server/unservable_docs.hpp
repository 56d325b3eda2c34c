#pragma once
// Docs stored before the workstation name rules (by the original platform or an older
// release) may carry names such as `.git/config`; hooks never serve them. Said once at
// start, so an operator knows to rename or delete them.

#include <ostream>

#include "libsync/sync_service.hpp"

namespace aitk_server {

/// Writes one line per project that holds such docs, naming them. Store errors are
/// reported the same way and do not stop the server.
void ReportUnservableDocs(libsync::SyncService& sync, std::ostream& log);

}  // namespace aitk_server
