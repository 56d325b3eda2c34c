#pragma once
// Byte-to-text encodings used for hashes, keys and sealed secrets.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace libsync::detail {

/// Lowercase hex.
std::string HexEncode(std::span<const unsigned char> bytes);

/// Writes the lowercase hex of `bytes` at `out` (2 characters a byte) and returns the end,
/// for formatting into a buffer the caller already sized.
char* HexEncodeTo(char* out, std::span<const unsigned char> bytes);
/// Accepts upper or lower case; nullopt on odd length or a non-hex digit.
std::optional<std::string> HexDecode(std::string_view hex);

/// Standard base64 with padding.
std::string Base64Encode(std::span<const unsigned char> bytes);
/// Appends the URL-safe alphabet of RFC 4648 §5, without padding.
void AppendBase64Url(std::string& out, std::span<const unsigned char> bytes);
/// Strict: nullopt on bad characters, bad length or bad padding.
std::optional<std::string> Base64Decode(std::string_view text);

inline std::span<const unsigned char> AsBytes(std::string_view s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

}  // namespace libsync::detail
