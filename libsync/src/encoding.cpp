#include "encoding.hpp"

#include <array>
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

}  // namespace

char* HexEncodeTo(char* out, std::span<const unsigned char> bytes) {
  // Both digits of a byte from one table entry: ids, tokens and hashes are formatted on
  // every lock grant and check.
  static constexpr auto kPairs = [] {
    std::array<char, 512> t{};
    for (int b = 0; b < 256; ++b) {
      t[2 * b] = kHexDigits[b >> 4];
      t[2 * b + 1] = kHexDigits[b & 0xF];
    }
    return t;
  }();
  for (unsigned char b : bytes) {
    std::memcpy(out, &kPairs[2 * b], 2);
    out += 2;
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

void AppendBase64(std::string& out, std::span<const unsigned char> in, const char* alphabet, bool pad) {
  out.reserve(out.size() + (in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const std::uint32_t v = in[i] << 16;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    if (pad) out += "==";
  } else if (i + 2 == in.size()) {
    const std::uint32_t v = in[i] << 16 | in[i + 1] << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    if (pad) out += '=';
  }
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
