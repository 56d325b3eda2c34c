#include "key_check.hpp"

#include "libsync/credentials.hpp"
#include "unit_of_work.hpp"

namespace libsync::detail {
namespace {

// Keys this server issues are 67 bytes; keys carried over from the original platform may
// be shorter or longer, so only absurd lengths are refused before the lookup.
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kMaxKeyBytes = 256;

Status BadKey() { return Status::Unauthenticated("invalid or revoked API key"); }

}  // namespace

Result<std::string> KeyLookupHash(std::string_view plain_key) {
  if (plain_key.size() < kMinKeyBytes || plain_key.size() > kMaxKeyBytes) return BadKey();
  for (const char c : plain_key) {
    if (c <= ' ' || c > '~') return BadKey();
  }
  return HashSecret(plain_key);
}

Result<ApiKey> FindActiveKey(Transaction& tx, std::string_view hash) {
  auto key = tx.FindApiKeyByHash(hash);
  if (!key) return key.error().code() == ErrorCode::kNotFound ? BadKey() : key.error();
  if (!key->is_active) return BadKey();
  return key;
}

void RecordKeyUse(const ServiceContext& ctx, const ApiKey& key, Timestamp now) {
  const bool stale = !key.last_used_at || now - *key.last_used_at >= ctx.options.key_use_granularity;
  if (!stale) return;
  (void)RunWrite(ctx, [&](Transaction& tx, EventBatch&) {
    LIBSYNC_ASSIGN_OR_RETURN(auto stored, tx.GetApiKey(key.id));
    stored.last_used_at = now;
    return tx.UpdateApiKey(stored);
  });
}

}  // namespace libsync::detail
