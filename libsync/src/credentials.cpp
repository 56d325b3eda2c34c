#include "libsync/credentials.hpp"

#include <array>

#include "encoding.hpp"
#include "libsync/hashing.hpp"

namespace libsync {
namespace {

std::string RandomHexWithPrefix(Random& random, std::string_view prefix) {
  std::array<unsigned char, 32> bytes{};
  random.Fill(bytes);
  std::string out(prefix);
  out += detail::HexEncode(bytes);
  return out;
}

}  // namespace

std::string NewId(Random& random) {
  std::array<unsigned char, 16> b{};
  random.Fill(b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string hex = detail::HexEncode(b);
  std::string id;
  id.reserve(36);
  id.append(hex, 0, 8).append(1, '-').append(hex, 8, 4).append(1, '-').append(hex, 12, 4);
  id.append(1, '-').append(hex, 16, 4).append(1, '-').append(hex, 20, 12);
  return id;
}

std::string NewApiKey(Random& random) { return RandomHexWithPrefix(random, "sk_"); }

std::string NewLockToken(Random& random) { return RandomHexWithPrefix(random, "lt_"); }

std::string HashSecret(std::string_view secret) { return Sha256Hex(secret); }

std::string KeyPrefix(std::string_view api_key) { return std::string(api_key.substr(0, 11)); }

}  // namespace libsync
