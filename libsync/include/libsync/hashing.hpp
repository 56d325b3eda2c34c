#pragma once
// Content hashes of docs/semantics.md.

#include <span>
#include <string>
#include <string_view>

#include "libsync/model/doc.hpp"

namespace libsync {

/// Lowercase hex SHA-256 of the bytes of `data`.
std::string Sha256Hex(std::string_view data);

/// The project docs hash: SHA-256 over the lines "fileName TAB hash LF" sorted by fileName
/// bytewise. A rename, an edit, an addition or a removal each change it; the order in which
/// docs are passed does not.
std::string ProjectDocsHash(std::span<const DocSummary> docs);

/// The git blob id (SHA-1 of "blob <size>\0" + content), so the core can tell whether a
/// local text equals a remote blob without reading it.
std::string GitBlobId(std::string_view content);

/// Compares two strings in time that depends only on their lengths, for secrets.
bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

/// Lowercase hex HMAC-SHA256 of `data` under `key` (what GitHub and Gitea sign webhook
/// deliveries with).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace libsync
