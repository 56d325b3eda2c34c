#include "lock_rules.hpp"

#include "libsync/credentials.hpp"

namespace libsync::detail {

Result<std::optional<Lock>> LiveLock(Transaction& tx, std::string_view project_id, Timestamp now) {
  LIBSYNC_ASSIGN_OR_RETURN(std::optional<Lock> row, tx.GetLock(project_id));
  if (row && !row->LiveAt(now)) row.reset();
  return row;
}

bool HoldsLock(const Lock& lock, std::string_view token) {
  return !token.empty() && SecretMatchesHash(token, lock.token_hash);
}

Status LockHeldBy(const Lock& lock) {
  return Status(ErrorCode::kLockHeld, "project is locked by " + lock.locked_by,
                {{"lockedBy", lock.locked_by},
                 {"lockedAt", FormatTimestamp(lock.locked_at)},
                 {"expiresAt", FormatTimestamp(lock.expires_at)},
                 {"reason", lock.reason}});
}

Status CheckWriteAllowed(Transaction& tx, std::string_view project_id, Timestamp now,
                         const std::optional<std::string>& lock_token) {
  LIBSYNC_ASSIGN_OR_RETURN(const std::optional<Lock> lock, LiveLock(tx, project_id, now));
  if (!lock) {
    if (lock_token) {
      return Status::Locked("the lock token is not the live lock's: it expired or was released");
    }
    return Status::Ok();
  }
  if (!lock_token) {
    return Status(ErrorCode::kLocked,
                  "project is locked by " + lock->locked_by + "; writes need its lock token",
                  {{"lockedBy", lock->locked_by}, {"expiresAt", FormatTimestamp(lock->expires_at)}});
  }
  if (!HoldsLock(*lock, *lock_token)) {
    return Status(ErrorCode::kLocked,
                  "the lock token is not the live lock's: the lock is now held by " + lock->locked_by,
                  {{"lockedBy", lock->locked_by}, {"expiresAt", FormatTimestamp(lock->expires_at)}});
  }
  return Status::Ok();
}

}  // namespace libsync::detail
