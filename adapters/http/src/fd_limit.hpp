#pragma once
// The process's open file limit, which bounds how many connections and streams can be
// open at once (RaiseOpenFileLimit in libsync/http/server.hpp raises it at start).

#include <cstddef>

namespace libsync::web {

/// The soft RLIMIT_NOFILE in force (a large number when unlimited or unknown).
std::size_t OpenFileLimit();

/// Descriptors kept back from connections for everything else the process opens: the
/// store's files or database connections, git transfers and their pack files, logs, the
/// event loops' own descriptors. An eighth of the limit, and at least 64.
std::size_t ReservedFiles(std::size_t file_limit);

}  // namespace libsync::web
