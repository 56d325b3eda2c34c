#pragma once
// Checking a plain API key: shared by KeyService::Authenticate and the reads that check
// the key inside their own transaction (DocService::GetWithKeyInOneTransaction).

#include <string>
#include <string_view>

#include "libsync/model/api_key.hpp"
#include "libsync/ports/store.hpp"
#include "libsync/result.hpp"
#include "libsync/service_context.hpp"

namespace libsync::detail {

/// The hash a plain key is stored under; kUnauthenticated for a malformed key, which then
/// never reaches the store.
Result<std::string> KeyLookupHash(std::string_view plain_key);

/// The active key stored under `hash`; kUnauthenticated when there is none or it was
/// revoked (the message does not say which).
Result<ApiKey> FindActiveKey(Transaction& tx, std::string_view hash);

/// Records `key`'s use at `now` when its lastUsedAt is older than
/// ServiceOptions::key_use_granularity. Best effort: a failure is ignored, since it must
/// not lock a workstation out.
void RecordKeyUse(const ServiceContext& ctx, const ApiKey& key, Timestamp now);

}  // namespace libsync::detail
