#pragma once
// Lock: a project's edit lock as stored (the token only as its hash).

#include <cstdint>
#include <string>

#include "libsync/timestamp.hpp"

namespace libsync {

/// A project's edit lock as stored. The secret lock token is never stored, only its
/// SHA-256 (`token_hash`). `fence` strictly increases with every grant for the project,
/// across release, expiry and re-grant, so a stale holder can always be told apart.
struct Lock {
  std::string id;
  std::string project_id;
  std::string locked_by;
  Timestamp locked_at{};
  Timestamp expires_at{};
  std::string reason;
  std::string token_hash;
  std::int64_t fence = 0;

  /// A lock whose expiresAt is not in the future is treated as absent everywhere.
  bool LiveAt(Timestamp now) const noexcept { return expires_at > now; }
};

}  // namespace libsync
