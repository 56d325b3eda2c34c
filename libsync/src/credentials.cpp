#include "libsync/credentials.hpp"

#include <array>
#include <cstring>
#include <span>

#include "digest.hpp"
#include "encoding.hpp"
#include "libsync/hashing.hpp"

namespace libsync {
namespace {

std::string RandomHexWithPrefix(Random& random, std::string_view prefix) {
  std::array<unsigned char, 32> bytes{};
  random.Fill(bytes);
  // Formatted in place, one allocation each: lock grants make tokens on the hot path.
  std::string out(prefix.size() + 2 * bytes.size(), '\0');
  prefix.copy(out.data(), prefix.size());
  detail::HexEncodeTo(out.data() + prefix.size(), bytes);
  return out;
}

}  // namespace

std::string NewId(Random& random) {
  std::array<unsigned char, 16> b{};
  random.Fill(b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::array<char, 32> hex{};
  detail::HexEncodeTo(hex.data(), b);
  std::string id(36, '-');  // 8-4-4-4-12 hex digits
  std::memcpy(id.data(), hex.data(), 8);
  std::memcpy(id.data() + 9, hex.data() + 8, 4);
  std::memcpy(id.data() + 14, hex.data() + 12, 4);
  std::memcpy(id.data() + 19, hex.data() + 16, 4);
  std::memcpy(id.data() + 24, hex.data() + 20, 12);
  return id;
}

std::string NewApiKey(Random& random) { return RandomHexWithPrefix(random, "sk_"); }

std::string NewLockToken(Random& random) {
  std::array<unsigned char, 32> bytes{};
  random.Fill(bytes);
  // Base64url keeps the token at 46 bytes, within one SHA-256 block: every release and
  // token-carrying write hashes it. (Hex, 67 bytes, costs a second block.)
  std::string token = "lt_";
  detail::AppendBase64Url(token, bytes);
  return token;
}

std::string HashSecret(std::string_view secret) { return Sha256Hex(secret); }

bool SecretMatchesHash(std::string_view secret, std::string_view stored_hash) noexcept {
  std::array<char, 2 * detail::kSha256Bytes> hex{};
  detail::Digest digest(detail::DigestAlgorithm::kSha256);
  digest.Update(secret);
  return ConstantTimeEquals(std::string_view(hex.data(), digest.FinishHexTo(hex.data())), stored_hash);
}

std::string KeyPrefix(std::string_view api_key) { return std::string(api_key.substr(0, 11)); }

}  // namespace libsync
