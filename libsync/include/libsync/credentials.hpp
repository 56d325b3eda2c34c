#pragma once
// Ids and secrets drawn from the Random port.

#include <string>
#include <string_view>

#include "libsync/ports/random.hpp"

namespace libsync {

/// A random UUID (version 4) in canonical text form, used for every row id.
std::string NewId(Random& random);

/// A project API key: "sk_" followed by 32 random bytes as lowercase hex.
std::string NewApiKey(Random& random);

/// A lock token: "lt_" followed by 32 random bytes in unpadded base64url (46 characters,
/// all of them safe in headers, URLs and file names).
std::string NewLockToken(Random& random);

/// What is stored in place of a key or token: its lowercase hex SHA-256.
std::string HashSecret(std::string_view secret);

/// Whether HashSecret(secret) == stored_hash, compared in constant time and without
/// allocating (every lock release and token-carrying write checks one).
bool SecretMatchesHash(std::string_view secret, std::string_view stored_hash) noexcept;

/// The part of a key shown in listings ("sk_1a2b3c4d").
std::string KeyPrefix(std::string_view api_key);

}  // namespace libsync
