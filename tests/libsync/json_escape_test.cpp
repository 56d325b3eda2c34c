// JSON string escaping scans 64 bytes at a time, then 16, then one: every escapable byte
// must be found at every position within and across those blocks, and nothing else may
// change.
#include "libsync/internal/json_escape.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace libsync {
namespace {

// Byte by byte, as RFC 8259 reads.
std::string Reference(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string Escaped(std::string_view text) {
  std::string out = "prefix:";
  AppendJsonString(out, text);
  EXPECT_EQ(out.size(), 7 + JsonEscapedSize(text) + 2);
  return out.substr(7);
}

TEST(JsonEscape, FindsEveryEscapableByteAtEveryPosition) {
  for (const char special : {'"', '\\', '\n', '\x00', '\x01', '\x1f', '\t'}) {
    for (std::size_t length = 1; length <= 150; ++length) {  // two 64-byte blocks, a 16-byte one, a tail
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = special;
        EXPECT_EQ(Escaped(text), Reference(text)) << "byte " << int(special) << " at " << at << " of " << length;
      }
    }
  }
}

TEST(JsonEscape, LeavesEverythingElseAlone) {
  // Neighbours of the escapable values, DEL and UTF-8 bytes (>= 0x80) must pass through.
  const std::string text = std::string("\x20!#[]^_`\x7f") + "üñí 🚀 \xff\x80" + std::string(17, ' ');
  EXPECT_EQ(Escaped(text), "\"" + text + "\"");
  EXPECT_EQ(Escaped(""), "\"\"");
}

// The blocks find escapes by value arithmetic: each of the 256 byte values, in each kind of
// block, must come out as the reference has it.
TEST(JsonEscape, EveryByteValueInEveryKindOfBlock) {
  for (int value = 0; value < 256; ++value) {
    for (const std::size_t at : {0, 31, 63, 64, 127, 128, 143, 144, 149}) {
      std::string text(150, 'a');
      text[at] = static_cast<char>(value);
      EXPECT_EQ(Escaped(text), Reference(text)) << "byte " << value << " at " << at;
    }
  }
}

TEST(JsonEscape, MatchesTheReferenceOnRandomText) {
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string text(random() % 300, '\0');
    for (char& c : text) c = static_cast<char>(random() % 4 == 0 ? random() % 0x24 + 0x10 : random() % 256);
    ASSERT_EQ(Escaped(text), Reference(text)) << "round " << round;
  }
}

}  // namespace
}  // namespace libsync
