#include "libsync/percent_encoding.hpp"

namespace libsync {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  // Runs without '%' (nearly every id and file name is one) are copied whole.
  for (std::size_t i = 0;;) {
    const std::size_t percent = text.find('%', i);
    out.append(text.substr(i, percent - i));
    if (percent == std::string_view::npos) return out;
    if (percent + 2 >= text.size() || HexDigit(text[percent + 1]) < 0 || HexDigit(text[percent + 2]) < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(HexDigit(text[percent + 1]) * 16 + HexDigit(text[percent + 2]));
    i = percent + 3;
  }
}

}  // namespace libsync
