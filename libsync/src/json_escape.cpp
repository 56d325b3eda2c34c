#include "libsync/internal/json_escape.hpp"

#include <cstdint>
#include <cstring>

namespace libsync {
namespace {

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

bool HasShortEscape(unsigned char c) {
  return c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f';
}

// Sixteen bytes tested per vector (GCC/Clang vector extensions: SSE2 on x86-64, NEON on
// ARM); PlainRun tests four vectors a step.
using Bytes16 = unsigned char __attribute__((vector_size(16)));

Bytes16 Load16(const char* p) {
  Bytes16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// All ones in the lanes that need escaping. XOR 2 maps '"' (0x22) to 0x20 and keeps every
// control character below 0x20 (and everything else at 0x21 or above), so one unsigned
// compare finds both.
Bytes16 EscapeLanes(Bytes16 v) { return ((v ^ 2) < 0x21) | (v == '\\'); }

bool AnyLane(Bytes16 lanes) {
  std::uint64_t halves[2];
  std::memcpy(halves, &lanes, sizeof halves);
  return (halves[0] | halves[1]) != 0;
}

// The length of the run at the start of `text` that needs no escaping (documents are long
// runs of plain text between newlines). Sixty-four bytes a step while the run lasts: one
// test of the four blocks' lanes together, instead of one per block.
std::size_t PlainRun(std::string_view text) {
  const char* p = text.data();
  std::size_t i = 0;
  while (i + 64 <= text.size() && !AnyLane(EscapeLanes(Load16(p + i)) | EscapeLanes(Load16(p + i + 16)) |
                                           EscapeLanes(Load16(p + i + 32)) | EscapeLanes(Load16(p + i + 48)))) {
    i += 64;
  }
  while (i + 16 <= text.size() && !AnyLane(EscapeLanes(Load16(p + i)))) i += 16;
  while (i < text.size() && !NeedsEscape(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// Writes the escape sequence of `c` at `out` and returns the end.
char* WriteEscape(char* out, unsigned char c) {
  *out++ = '\\';
  switch (c) {
    case '"': *out++ = '"'; break;
    case '\\': *out++ = '\\'; break;
    case '\n': *out++ = 'n'; break;
    case '\r': *out++ = 'r'; break;
    case '\t': *out++ = 't'; break;
    case '\b': *out++ = 'b'; break;
    case '\f': *out++ = 'f'; break;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      std::memcpy(out, "u00", 3);
      out[3] = kHex[c >> 4];
      out[4] = kHex[c & 0xF];
      out += 5;
    }
  }
  return out;
}

}  // namespace

std::size_t JsonEscapedSize(std::string_view text) {
  std::size_t size = text.size();
  for (std::size_t i = PlainRun(text); i < text.size(); i += 1 + PlainRun(text.substr(i + 1))) {
    size += HasShortEscape(static_cast<unsigned char>(text[i])) ? 1 : 5;  // \n, or \u00XX
  }
  return size;
}

char* WriteJsonEscaped(char* out, std::string_view text) {
  for (;;) {
    const std::size_t run = PlainRun(text);
    std::memcpy(out, text.data(), run);
    out += run;
    if (run == text.size()) return out;
    out = WriteEscape(out, static_cast<unsigned char>(text[run]));
    text.remove_prefix(run + 1);
  }
}

void AppendJsonString(std::string& out, std::string_view text) {
  // One pass: plain runs are appended whole, escapes as they come.
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  for (;;) {
    const std::size_t run = PlainRun(text);
    out.append(text.data(), run);
    if (run == text.size()) break;
    char escape[6];
    out.append(escape, static_cast<std::size_t>(WriteEscape(escape, static_cast<unsigned char>(text[run])) - escape));
    text.remove_prefix(run + 1);
  }
  out += '"';
}

}  // namespace libsync
