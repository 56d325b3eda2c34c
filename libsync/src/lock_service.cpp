#include "libsync/lock_service.hpp"

#include <algorithm>

#include "access.hpp"
#include "json_writer.hpp"
#include "libsync/credentials.hpp"
#include "libsync/validation.hpp"
#include "lock_rules.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

using detail::Access;
using detail::EventBatch;

constexpr std::size_t kMaxLockedByBytes = 200;
constexpr std::size_t kMaxReasonBytes = 1000;

// A lock asked for without a TTL gets the default, or the longest allowed when the
// operator set that shorter (aitk-server's --lock-ttl): the default is a convenience,
// not a request the caller made, so it must never be the reason a lock is refused.
Result<Duration> EffectiveTtl(const ServiceOptions& options, std::optional<Duration> ttl) {
  const Duration value = ttl.value_or(std::min(options.default_lock_ttl, options.max_lock_ttl));
  if (value < options.min_lock_ttl || value > options.max_lock_ttl) {
    using std::chrono::duration_cast;
    using std::chrono::seconds;
    return Status::InvalidArgument(
        "lock TTL must be between " + std::to_string(duration_cast<seconds>(options.min_lock_ttl).count()) +
        " and " + std::to_string(duration_cast<seconds>(options.max_lock_ttl).count()) + " seconds");
  }
  return value;
}

Status CheckReason(std::string_view reason) { return ValidateText(reason, "reason", kMaxReasonBytes); }

// The lock:* payload, written into `json`; the view is valid while `json` lives.
std::string_view LockPayload(detail::JsonObject& json, const Lock& lock) {
  return json.Add("lockedBy", lock.locked_by)
      .Add("lockedAt", lock.locked_at)
      .Add("expiresAt", lock.expires_at)
      .Add("reason", lock.reason)
      .Add("fence", lock.fence)
      .Close();
}

/// Removes an expired lock row and records lock:expired, so every expiry is announced
/// once, whether the reaper or the next acquirer finds it first.
Status ExpireLock(Transaction& tx, EventBatch& events, std::string_view project_id, const Lock& lock) {
  detail::JsonObject json;
  const std::string_view payload = LockPayload(json, lock);
  LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock(project_id));
  return events.Append(project_id, event_type::kLockExpired, payload);
}

}  // namespace

Result<std::optional<Lock>> LockService::Get(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  const Timestamp now = ctx_.clock.Now();
  std::optional<Lock> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, detail::LiveLock(tx, project_id, now));
    return Status::Ok();
  }));
  return out;
}

Result<LockGrant> LockService::Acquire(const Caller& caller, std::string_view project_id,
                                       const LockRequest& request) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  LIBSYNC_RETURN_IF_ERROR(ValidateLabel(request.locked_by, "lockedBy", kMaxLockedByBytes));
  LIBSYNC_RETURN_IF_ERROR(CheckReason(request.reason));
  LIBSYNC_ASSIGN_OR_RETURN(const Duration ttl, EffectiveTtl(ctx_.options, request.ttl));
  const Timestamp now = ctx_.clock.Now();
  LockGrant grant;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, now, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_ASSIGN_OR_RETURN(std::optional<Lock> row, tx.GetLock(project_id));
    if (row && row->LiveAt(now)) {
      if (!request.token || !detail::HoldsLock(*row, *request.token)) {
        return detail::LockHeldBy(*row);
      }
      // The holder asking again: same grant, new expiry.
      Lock lock = std::move(*row);
      lock.expires_at = now + ttl;
      lock.locked_by = request.locked_by;
      if (!request.reason.empty()) lock.reason = request.reason;
      LIBSYNC_RETURN_IF_ERROR(tx.PutLock(lock));
      detail::JsonObject payload;
      LIBSYNC_RETURN_IF_ERROR(events.Append(project_id, event_type::kLockExtended, LockPayload(payload, lock)));
      grant = {std::move(lock), *request.token, true};
      return Status::Ok();
    }
    if (row) LIBSYNC_RETURN_IF_ERROR(ExpireLock(tx, events, project_id, *row));
    Lock lock;
    lock.id = NewId(now, ctx_.random);
    lock.project_id = std::string(project_id);
    lock.locked_by = request.locked_by;
    lock.locked_at = now;
    lock.expires_at = now + ttl;
    lock.reason = request.reason;
    std::string token = NewLockToken(ctx_.random);
    lock.token_hash = HashSecret(token);
    LIBSYNC_ASSIGN_OR_RETURN(lock.fence, tx.NextFence(project_id));
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(lock));
    detail::JsonObject payload;
    LIBSYNC_RETURN_IF_ERROR(events.Append(project_id, event_type::kLockAcquired, LockPayload(payload, lock)));
    grant = {std::move(lock), std::move(token), false};
    return Status::Ok();
  }));
  return grant;
}

Result<Lock> LockService::Extend(const Caller& caller, std::string_view project_id,
                                 std::string_view token, std::optional<Duration> ttl) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  LIBSYNC_ASSIGN_OR_RETURN(const Duration effective, EffectiveTtl(ctx_.options, ttl));
  const Timestamp now = ctx_.clock.Now();
  Lock out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, now, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_ASSIGN_OR_RETURN(auto live, detail::LiveLock(tx, project_id, now));
    if (!live) return Status::NotFound("project has no live lock to extend");
    if (!detail::HoldsLock(*live, token)) return detail::LockHeldBy(*live);
    live->expires_at = now + effective;
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(*live));
    detail::JsonObject payload;
    LIBSYNC_RETURN_IF_ERROR(events.Append(project_id, event_type::kLockExtended, LockPayload(payload, *live)));
    out = *live;
    return Status::Ok();
  }));
  return out;
}

Result<bool> LockService::Release(const Caller& caller, std::string_view project_id,
                                  std::string_view token) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  const Timestamp now = ctx_.clock.Now();
  bool released = false;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, now, [&](Transaction& tx, EventBatch& events) {
    released = false;
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    detail::JsonObject payload;
    LIBSYNC_RETURN_IF_ERROR(detail::ReadLiveLock(tx, project_id, now, [&](const Lock* live) {
      if (!live) return Status::Ok();
      if (!detail::HoldsLock(*live, token)) return detail::LockHeldBy(*live);
      payload.Add("lockedBy", live->locked_by).Add("fence", live->fence).Add("forced", false);
      released = true;
      return Status::Ok();
    }));
    if (!released) return Status::Ok();
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock(project_id));
    return events.Append(project_id, event_type::kLockReleased, payload.Close());
  }));
  return released;
}

Result<bool> LockService::ForceRelease(const Caller& caller, std::string_view project_id,
                                       std::string_view reason) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  LIBSYNC_RETURN_IF_ERROR(ValidateLabel(reason, "reason", kMaxReasonBytes));
  const Timestamp now = ctx_.clock.Now();
  bool released = false;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, now, [&](Transaction& tx, EventBatch& events) {
    released = false;
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_ASSIGN_OR_RETURN(const std::optional<Lock> live, detail::LiveLock(tx, project_id, now));
    if (!live) return Status::Ok();
    detail::JsonObject payload;
    payload.Add("lockedBy", live->locked_by)
        .Add("fence", live->fence)
        .Add("forced", true)
        .Add("by", caller.name())
        .Add("reason", reason);
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock(project_id));
    LIBSYNC_RETURN_IF_ERROR(events.Append(project_id, event_type::kLockReleased, payload.Close()));
    released = true;
    return Status::Ok();
  }));
  return released;
}

Result<LockOwnership> LockService::Verify(const Caller& caller, std::string_view project_id,
                                          std::string_view token) {
  LIBSYNC_ASSIGN_OR_RETURN(auto live, Get(caller, project_id));
  if (!live) return LockOwnership::kNone;
  return detail::HoldsLock(*live, token) ? LockOwnership::kOurs : LockOwnership::kTheirs;
}

Result<std::size_t> LockService::ReapExpired() {
  const Timestamp now = ctx_.clock.Now();
  std::vector<Lock> expired;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(expired, tx.ListExpiredLocks(now));
    return Status::Ok();
  }));
  std::size_t reaped = 0;
  for (const Lock& candidate : expired) {
    // One transaction per project; the row is re-read under the project's write lock
    // because its holder may have renewed it, or another reaper taken it, meanwhile.
    bool removed = false;
    Status s = detail::RunWrite(ctx_, now, [&](Transaction& tx, EventBatch& events) {
      removed = false;
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(candidate.project_id));
      LIBSYNC_ASSIGN_OR_RETURN(const std::optional<Lock> row, tx.GetLock(candidate.project_id));
      if (!row || row->LiveAt(now)) return Status::Ok();
      removed = true;
      return ExpireLock(tx, events, candidate.project_id, *row);
    });
    if (!s.ok() && s.code() != ErrorCode::kNotFound) return s;
    if (removed) ++reaped;
  }
  return reaped;
}

}  // namespace libsync
