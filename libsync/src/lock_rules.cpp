#include "lock_rules.hpp"

#include "libsync/credentials.hpp"

namespace libsync::detail {

Status ReadLiveLock(Transaction& tx, std::string_view project_id, Timestamp now,
                    FunctionRef<Status(const Lock*)> read) {
  return tx.ReadLock(project_id, [&](const Lock* row) { return read(row && row->LiveAt(now) ? row : nullptr); });
}

Result<std::optional<Lock>> LiveLock(Transaction& tx, std::string_view project_id, Timestamp now) {
  std::optional<Lock> copy;
  LIBSYNC_RETURN_IF_ERROR(ReadLiveLock(tx, project_id, now, [&](const Lock* live) {
    if (live) copy = *live;
    return Status::Ok();
  }));
  return copy;
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

namespace {

// The write rule against the live lock `lock` (nullptr: none).
Status CheckWriteAllowedBy(const Lock* lock, const std::optional<std::string>& lock_token) {
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

}  // namespace

Status CheckWriteAllowed(Transaction& tx, std::string_view project_id, Timestamp now,
                         const std::optional<std::string>& lock_token) {
  return ReadLiveLock(tx, project_id, now, [&](const Lock* lock) { return CheckWriteAllowedBy(lock, lock_token); });
}

}  // namespace libsync::detail
