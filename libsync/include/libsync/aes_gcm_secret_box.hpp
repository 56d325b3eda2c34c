#pragma once
// The SecretBox of docs/architecture.md: AES-256-GCM through OpenSSL.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/ports/random.hpp"
#include "libsync/ports/secret_box.hpp"

namespace libsync {

struct SecretKey {
  std::string id;     ///< 1-32 characters of [A-Za-z0-9_-]
  std::string bytes;  ///< exactly 32 bytes
};

/// A box that seals with `keys[0]` and opens with any of `keys` (the rest are retired
/// keys kept for rotation). Sealed form: "v1:<key id>:<base64 of nonce|ciphertext|tag>"
/// with a fresh 96-bit nonce per seal. Expected errors: kInvalidArgument (no keys, a bad
/// id or length, a duplicate id).
Result<std::unique_ptr<SecretBox>> MakeAesGcmSecretBox(std::vector<SecretKey> keys,
                                                       Random& random = SystemRandom());

/// Parses a key file: one key per line as "<id>:<64 hex digits>", '#' comments and blank
/// lines ignored, the first key current. Expected errors: kInvalidArgument, naming the
/// line (never echoing key material).
Result<std::vector<SecretKey>> ParseSecretKeys(std::string_view text);

/// A new random key with the given id, and its key-file line.
SecretKey GenerateSecretKey(std::string id, Random& random = SystemRandom());
std::string FormatSecretKey(const SecretKey& key);

}  // namespace libsync
