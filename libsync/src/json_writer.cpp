#include "json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace libsync::detail {

namespace {

constexpr char kHex[] = "0123456789abcdef";

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

bool HasShortEscape(unsigned char c) {
  return c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f';
}

// The length of `text` once escaped, quotes not included.
std::size_t EscapedSize(std::string_view text) {
  std::size_t size = text.size();
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (NeedsEscape(c)) size += HasShortEscape(c) ? 1 : 5;  // \n, or \u00XX
  }
  return size;
}

// Writes the escaped body of `text` (no quotes) at `out`, which has EscapedSize(text)
// bytes of room, and returns the end.
char* WriteEscaped(char* out, std::string_view text) {
  std::size_t run = 0;  // start of the pending run of characters that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) continue;
    std::memcpy(out, text.data() + run, i - run);
    out += i - run;
    run = i + 1;
    *out++ = '\\';
    switch (c) {
      case '"': *out++ = '"'; break;
      case '\\': *out++ = '\\'; break;
      case '\n': *out++ = 'n'; break;
      case '\r': *out++ = 'r'; break;
      case '\t': *out++ = 't'; break;
      case '\b': *out++ = 'b'; break;
      case '\f': *out++ = 'f'; break;
      default:
        std::memcpy(out, "u00", 3);
        out[3] = kHex[c >> 4];
        out[4] = kHex[c & 0xF];
        out += 5;
    }
  }
  std::memcpy(out, text.data() + run, text.size() - run);
  return out + (text.size() - run);
}

}  // namespace

void JsonObject::Grow(std::size_t n) {
  heap_.resize(std::max(2 * capacity_, size_ + n));
  if (data_ == inline_) std::memcpy(heap_.data(), inline_, size_);
  data_ = heap_.data();
  capacity_ = heap_.size();
}

void JsonObject::Put(std::string_view text) {
  char* p = Room(text.size());
  std::memcpy(p, text.data(), text.size());
  Commit(p + text.size());
}

void JsonObject::Key(std::string_view key) {
  // Keys are the core's own ASCII literals: nothing to escape.
  char* p = Room(key.size() + 4);
  if (size_ > 1) *p++ = ',';
  *p++ = '"';
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  *p++ = '"';
  *p++ = ':';
  Commit(p);
}

void JsonObject::String(std::string_view text) {
  char* p = Room(EscapedSize(text) + 2);
  *p++ = '"';
  p = WriteEscaped(p, text);
  *p++ = '"';
  Commit(p);
}

JsonObject& JsonObject::Add(std::string_view key, std::string_view value) {
  Key(key);
  String(value);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, std::int64_t value) {
  Key(key);
  constexpr std::size_t kMaxChars = 20;  // sign and 19 digits
  char* p = Room(kMaxChars);
  Commit(std::to_chars(p, p + kMaxChars, value).ptr);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, bool value) {
  Key(key);
  Put(value ? "true" : "false");
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, Timestamp value) {
  Key(key);
  char* p = Room(kTimestampChars + 2);
  *p++ = '"';
  p = WriteTimestamp(p, value);
  *p++ = '"';
  Commit(p);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, const std::vector<std::string>& values) {
  Key(key);
  Put("[");
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) Put(",");
    String(values[i]);
  }
  Put("]");
  return *this;
}

std::string_view JsonObject::Close() {
  Put("}");
  return {data_, size_};
}

}  // namespace libsync::detail
