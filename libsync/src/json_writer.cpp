#include "json_writer.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "libsync/internal/json_escape.hpp"
#include "libsync/internal/timestamp_writer.hpp"

namespace libsync::detail {

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
  char* p = Room(JsonEscapedSize(text) + 2);
  *p++ = '"';
  p = WriteJsonEscaped(p, text);
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
