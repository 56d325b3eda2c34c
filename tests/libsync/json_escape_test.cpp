// JSON string escaping scans 16 bytes at a time: every escapable byte must be found at every
// position within and across those words, and nothing else may change.
#include "libsync/json_escape.hpp"

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
    for (std::size_t length = 1; length <= 40; ++length) {  // two 16-byte blocks and a tail
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

TEST(JsonEscape, MatchesTheReferenceOnRandomText) {
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string text(random() % 64, '\0');
    for (char& c : text) c = static_cast<char>(random() % 4 == 0 ? random() % 0x24 + 0x10 : random() % 256);
    ASSERT_EQ(Escaped(text), Reference(text)) << "round " << round;
  }
}

}  // namespace
}  // namespace libsync
