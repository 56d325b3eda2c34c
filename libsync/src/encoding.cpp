#include "encoding.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace libsync::detail {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<std::int8_t, 256> MakeBase64Table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kBase64Table = MakeBase64Table();

// The 8 hex digits of 4 bytes (in memory order) as the bytes of one little-endian word,
// computed for all nibbles at once instead of one table lookup per byte.
std::uint64_t HexOfFourBytes(std::uint32_t word) noexcept {
  std::uint64_t x = word;
  x = (x | x << 16) & 0x0000FFFF0000FFFFull;
  x = (x | x << 8) & 0x00FF00FF00FF00FFull;  // byte i alone in 16-bit lane i
  const std::uint64_t nibbles = (x >> 4 & 0x000F000F000F000Full) | (x & 0x000F000F000F000Full) << 8;
  const std::uint64_t above_nine = (nibbles + 0x0606060606060606ull) >> 4 & 0x0101010101010101ull;
  return nibbles + 0x3030303030303030ull + above_nine * ('a' - '0' - 10);
}

}  // namespace

char* HexEncodeTo(char* out, std::span<const unsigned char> bytes) {
  // Ids and hashes are formatted on every lock grant and check.
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 4 <= bytes.size(); i += 4) {
      std::uint32_t word;
      std::memcpy(&word, bytes.data() + i, 4);
      const std::uint64_t digits = HexOfFourBytes(word);
      std::memcpy(out, &digits, 8);
      out += 8;
    }
  }
  for (; i < bytes.size(); ++i) {
    *out++ = kHexDigits[bytes[i] >> 4];
    *out++ = kHexDigits[bytes[i] & 0xF];
  }
  return out;
}

std::string HexEncode(std::span<const unsigned char> bytes) {
  std::string out(bytes.size() * 2, '\0');
  HexEncodeTo(out.data(), bytes);
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

namespace {

// Base64 of `in` appended to `out`: one pass writing into the grown string.
void AppendBase64(std::string& out, std::span<const unsigned char> in, const char* alphabet, bool pad) {
  const std::size_t start = out.size();
  out.resize(start + (in.size() + 2) / 3 * 4);  // the padded length; trimmed below if unpadded
  char* p = out.data() + start;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    *p++ = alphabet[v >> 18 & 63];
    *p++ = alphabet[v >> 12 & 63];
    *p++ = alphabet[v >> 6 & 63];
    *p++ = alphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;  // 0, 1 or 2 bytes left
  if (rest > 0) {
    const std::uint32_t v = in[i] << 16 | (rest == 2 ? in[i + 1] << 8 : 0);
    *p++ = alphabet[v >> 18 & 63];
    *p++ = alphabet[v >> 12 & 63];
    if (rest == 2) *p++ = alphabet[v >> 6 & 63];
    if (pad) {
      *p++ = '=';
      if (rest == 1) *p++ = '=';
    }
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
}

}  // namespace

std::string Base64Encode(std::span<const unsigned char> in) {
  std::string out;
  AppendBase64(out, in, kBase64Alphabet, true);
  return out;
}

void AppendBase64Url(std::string& out, std::span<const unsigned char> in) {
  static constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  AppendBase64(out, in, kUrlAlphabet, false);
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      int d;
      if (c == '=' && last && j >= 4 - padding) {
        d = 0;
      } else {
        d = kBase64Table[static_cast<unsigned char>(c)];
        if (d < 0) return std::nullopt;
      }
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    // Canonical form only: the bits that padding leaves unused must be zero.
    if (last && ((padding == 2 && (v & 0xFFFF) != 0) || (padding == 1 && (v & 0xFF) != 0))) {
      return std::nullopt;
    }
    out += static_cast<char>(v >> 16 & 0xFF);
    if (!last || padding < 2) out += static_cast<char>(v >> 8 & 0xFF);
    if (!last || padding < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

}  // namespace libsync::detail
