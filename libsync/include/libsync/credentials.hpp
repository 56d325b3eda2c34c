#pragma once
// Ids and secrets drawn from the Random port.

#include <string>
#include <string_view>

#include "libsync/ports/random.hpp"
#include "libsync/timestamp.hpp"

namespace libsync {

/// A UUID (version 7, RFC 9562) in canonical text form, used for every row id: `now` in
/// milliseconds and a 12-bit count in the first 64 bits, raised where needed so that the
/// ids one process makes increase (as text too), then 62 random bits. Increasing ids are
/// appended at the end of the indexes on them, where random ones landed anywhere: a
/// first import of 10,000 docs wrote three indexes of ids at random places, and SQLite
/// wrote their pages out and read them back as its cache filled.
std::string NewId(Timestamp now, Random& random);

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
