#pragma once
// LockService: the project's edit lock (docs/semantics.md, "Locks"): acquire with a secret token
// and a fence, extend, release, the admin's forced release, and the reaper.

#include <optional>
#include <string>
#include <string_view>

#include "libsync/caller.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

struct LockRequest {
  std::string locked_by;
  std::string reason;
  std::optional<Duration> ttl;  ///< default ServiceOptions::default_lock_ttl
  /// The holder's own token: acquiring with it renews the live lock instead of failing.
  std::optional<std::string> token;
};

/// A granted lock and its secret token, which only the acquirer ever sees.
struct LockGrant {
  Lock lock;
  std::string token;
  bool renewed = false;  ///< the caller already held it; fence and token unchanged
};

enum class LockOwnership { kNone, kOurs, kTheirs };

/// The project edit lock of docs/semantics.md. Reads need any access to the project; acquire,
/// extend and release need the admin or a write key; force-release needs the admin.
/// Thread-safe; exclusive across processes as far as the Store is.
class LockService {
 public:
  explicit LockService(const ServiceContext& ctx) : ctx_(ctx) {}

  /// The live lock (token hash included; adapters do not show it), or nullopt.
  Result<std::optional<Lock>> Get(const Caller& caller, std::string_view project_id);

  /// Grants the lock with a new token and the next fence, or renews it for its holder.
  /// Expected errors: kLockHeld (details lockedBy, lockedAt, expiresAt), kInvalidArgument
  /// (TTL out of range, empty lockedBy), kNotFound, kPermissionDenied.
  Result<LockGrant> Acquire(const Caller& caller, std::string_view project_id,
                            const LockRequest& request);

  /// Sets expiresAt to now + ttl. Expected errors: kNotFound (no live lock),
  /// kLockHeld (the token is not the holder's), kInvalidArgument.
  Result<Lock> Extend(const Caller& caller, std::string_view project_id,
                      std::string_view token, std::optional<Duration> ttl);

  /// Releases the lock; false when there was no live lock. Expected errors: kLockHeld
  /// (the token is not the holder's), kNotFound, kPermissionDenied.
  Result<bool> Release(const Caller& caller, std::string_view project_id, std::string_view token);

  /// Admin override; recorded as a lock:released event with forced=true and the reason.
  /// False when there was no live lock. Expected errors: kPermissionDenied,
  /// kInvalidArgument (empty reason), kNotFound.
  Result<bool> ForceRelease(const Caller& caller, std::string_view project_id,
                            std::string_view reason);

  /// Whether `token` is the live lock's.
  Result<LockOwnership> Verify(const Caller& caller, std::string_view project_id,
                               std::string_view token);

  /// Deletes every expired lock row and emits lock:expired for each; returns how many.
  Result<std::size_t> ReapExpired();

 private:
  const ServiceContext& ctx_;
};

}  // namespace libsync
