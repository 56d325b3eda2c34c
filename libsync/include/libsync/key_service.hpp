#pragma once
// KeyService: per-project API keys: create (shown once), list, revoke, authenticate.

#include <string>
#include <string_view>
#include <vector>

#include "libsync/caller.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

struct CreatedApiKey {
  ApiKey key;
  std::string plain_key;  ///< shown once; only its hash is stored
};

/// Project API keys. Thread-safe.
class KeyService {
 public:
  explicit KeyService(const ServiceContext& ctx) : ctx_(ctx) {}

  /// Admin only. Expected errors: kPermissionDenied, kInvalidArgument, kNotFound.
  Result<CreatedApiKey> Create(const Caller& caller, std::string_view project_id,
                               std::string_view name, KeyScope scope = KeyScope::kRead);
  /// Admin only. Expected errors: kPermissionDenied, kNotFound.
  Result<std::vector<ApiKey>> List(const Caller& caller, std::string_view project_id);
  /// Marks the key inactive; it stops authenticating at once, and `key:revoked` is
  /// published to the key's project. Idempotent: revoking an inactive key changes nothing
  /// and publishes nothing. Expected errors: kPermissionDenied, kNotFound.
  Status Revoke(const Caller& caller, std::string_view key_id);

  /// The caller a plain key stands for; records lastUsedAt (coalesced, see
  /// ServiceOptions::key_use_granularity). Expected errors: kUnauthenticated (unknown,
  /// malformed or revoked key; the message does not say which).
  Result<Caller> Authenticate(std::string_view plain_key);

 private:
  const ServiceContext& ctx_;
};

}  // namespace libsync
