#pragma once
// ApiKey and KeyScope: a workstation's per-project key as stored (only its hash).

#include <optional>
#include <string>
#include <string_view>

#include "libsync/timestamp.hpp"

namespace libsync {

/// What a project key may do: read docs and lock state, or also write docs and take locks.
enum class KeyScope { kRead, kWrite };

std::string_view ScopeName(KeyScope scope) noexcept;  ///< "read", "write"
bool ParseScope(std::string_view text, KeyScope* out) noexcept;

/// A per-project key used by workstations. Only the SHA-256 of the key is stored
/// (`key_hash`, the original schema's `key` column); `prefix` is the first characters of
/// the plain key so a lead can tell keys apart in listings.
struct ApiKey {
  std::string id;
  std::string project_id;
  std::string key_hash;
  std::string name;
  bool is_active = true;
  Timestamp created_at{};
  KeyScope scope = KeyScope::kRead;
  std::string prefix;
  std::optional<Timestamp> last_used_at;
  std::string last_pulled_hash;  ///< docs hash of this key's last pull; empty if never
  std::optional<Timestamp> last_pulled_at;
};

}  // namespace libsync
