#include "libsync/key_service.hpp"

#include "access.hpp"
#include "json_writer.hpp"
#include "key_check.hpp"
#include "libsync/credentials.hpp"
#include "libsync/validation.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

constexpr std::size_t kMaxKeyNameBytes = 200;
}  // namespace

Result<CreatedApiKey> KeyService::Create(const Caller& caller, std::string_view project_id,
                                         std::string_view name, KeyScope scope) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  LIBSYNC_RETURN_IF_ERROR(ValidateLabel(name, "name", kMaxKeyNameBytes));
  CreatedApiKey out;
  out.plain_key = NewApiKey(ctx_.random);
  ApiKey& key = out.key;
  key.id = NewId(ctx_.clock.Now(), ctx_.random);
  key.project_id = std::string(project_id);
  key.key_hash = HashSecret(out.plain_key);
  key.name = std::string(name);
  key.is_active = true;
  key.created_at = ctx_.clock.Now();
  key.scope = scope;
  key.prefix = KeyPrefix(out.plain_key);
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch&) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    return tx.InsertApiKey(key);
  }));
  return out;
}

Result<std::vector<ApiKey>> KeyService::List(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  std::vector<ApiKey> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.ListApiKeys(project_id));
    return Status::Ok();
  }));
  return out;
}

Status KeyService::Revoke(const Caller& caller, std::string_view key_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  return detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch& events) {
    LIBSYNC_ASSIGN_OR_RETURN(auto key, tx.GetApiKey(key_id));
    if (!key.is_active) return Status::Ok();  // revoked already: nothing changes, no event
    key.is_active = false;
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateApiKey(key));
    // Any key of the project may subscribe, and only the admin may list keys: the payload
    // carries no name, only what lets a workstation tell whether it was its own key.
    return events.Append(key.project_id, event_type::kKeyRevoked,
                         detail::JsonObject()
                             .Add("keyId", key.id)
                             .Add("prefix", key.prefix)
                             .Add("revokedBy", caller.name())
                             .Close());
  });
}

Result<Caller> KeyService::Authenticate(std::string_view plain_key) {
  LIBSYNC_ASSIGN_OR_RETURN(const std::string hash, detail::KeyLookupHash(plain_key));
  const Timestamp now = ctx_.clock.Now();
  std::optional<ApiKey> found;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(found, detail::FindActiveKey(tx, hash));
    return Status::Ok();
  }));
  detail::RecordKeyUse(ctx_, *found, now);
  return Caller::ForKey(*found);
}

}  // namespace libsync
