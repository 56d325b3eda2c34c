#include "terminal_text.hpp"

#include <cstdio>

#include "libsync/validation.hpp"

namespace aitk {
namespace {

std::string Escape(const char* format, unsigned value) {
  char out[8];
  std::snprintf(out, sizeof out, format, value);
  return out;
}

}  // namespace

std::string TerminalSafe(std::string_view text) {
  const std::string valid = libsync::ValidUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (c < 0x20 || c == 0x7f) {
      out += Escape("\\x%02x", c);
    } else if (c == 0xc2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) <= 0x9f) {
      out += Escape("\\u%04x", static_cast<unsigned char>(valid[++i]));  // C1: U+0080..U+009F
    } else if (c == 0xe2 && i + 2 < valid.size()) {
      // U+2028 and U+2029 separate lines; U+202A..U+202E and U+2066..U+2069 reorder what
      // follows them on screen.
      const auto b1 = static_cast<unsigned char>(valid[i + 1]);
      const auto b2 = static_cast<unsigned char>(valid[i + 2]);
      const bool bidi = (b1 == 0x80 && b2 >= 0xa8 && b2 <= 0xae) || (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9);
      if (bidi) {
        out += Escape("\\u%04x", 0x2000u + ((b1 & 0x3fu) << 6) + (b2 & 0x3fu));
        i += 2;
      } else {
        out += valid[i];
      }
    } else {
      out += valid[i];
    }
  }
  return out;
}

}  // namespace aitk
