#include "libsync/credentials.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
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

std::string NewId(Timestamp now, Random& random) {
  // Milliseconds (48 bits) then a count within the millisecond (12 bits). A clock that
  // stands still or steps back (or a caller's earlier time) only raises the count.
  static std::atomic<std::uint64_t> last{0};
  const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(now.time_since_epoch().count(), 0));
  const std::uint64_t wanted = (ms & 0xFFFF'FFFF'FFFFu) << 12;
  std::uint64_t previous = last.load(std::memory_order_relaxed), stamp = 0;
  do {
    stamp = std::max(wanted, previous + 1);
  } while (!last.compare_exchange_weak(previous, stamp, std::memory_order_relaxed));

  std::array<unsigned char, 16> b{};
  random.Fill(b);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(stamp >> (52 - 8 * i));  // the milliseconds
  b[6] = static_cast<unsigned char>(0x70 | (stamp >> 8 & 0x0F));                         // version 7, count
  b[7] = static_cast<unsigned char>(stamp & 0xFF);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 9562 variant
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
