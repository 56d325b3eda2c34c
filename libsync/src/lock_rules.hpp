#pragma once
// Lock rules shared by the lock use cases and every document write.

#include <optional>
#include <string_view>

#include "libsync/model/lock.hpp"
#include "libsync/ports/store.hpp"

namespace libsync::detail {

/// Calls `read` with the project's lock if it is live at `now`, else with nullptr (an
/// expired row counts as absent); the row is valid during the call only (ReadLock).
Status ReadLiveLock(Transaction& tx, std::string_view project_id, Timestamp now,
                    FunctionRef<Status(const Lock*)> read);

/// ReadLiveLock's row, copied, for a use case that changes and writes it back.
Result<std::optional<Lock>> LiveLock(Transaction& tx, std::string_view project_id, Timestamp now);

/// True when `token` is the secret whose hash `lock` stores.
bool HoldsLock(const Lock& lock, std::string_view token);

/// kLockHeld naming the holder, with lockedBy/lockedAt/expiresAt/fence details.
Status LockHeldBy(const Lock& lock);

/// Whether a document write may proceed: with no live lock, only if it carries no token
/// (a token of an expired or superseded lock is refused); with a live lock, only with
/// its token. kLocked otherwise.
Status CheckWriteAllowed(Transaction& tx, std::string_view project_id, Timestamp now,
                         const std::optional<std::string>& lock_token);

}  // namespace libsync::detail
