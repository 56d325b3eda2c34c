#pragma once
// A minimal JSON object writer for event payloads, so the core needs no JSON library.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/timestamp.hpp"

namespace libsync::detail {

/// Builds one flat JSON object: JsonObject().Add("a", "x").Add("n", 3).Close(). String
/// values are escaped per RFC 8259.
/// Every lock grant and release builds one, so it is written into a buffer inside the
/// object (moving to the heap only for long values), and Close allocates nothing.
class JsonObject {
 public:
  JsonObject() { data_[size_++] = '{'; }
  JsonObject(const JsonObject&) = delete;  // data_ may point into the object itself
  JsonObject& operator=(const JsonObject&) = delete;

  JsonObject& Add(std::string_view key, std::string_view value);
  JsonObject& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  JsonObject& Add(std::string_view key, std::int64_t value);
  JsonObject& Add(std::string_view key, bool value);
  JsonObject& Add(std::string_view key, Timestamp value);
  JsonObject& Add(std::string_view key, const std::vector<std::string>& values);
  /// Closes the object and returns its text, valid while this JsonObject lives (event
  /// payloads are copied straight from here into the event log and the event).
  std::string_view Close();

 private:
  /// Room for `n` more bytes; returns where they go.
  char* Room(std::size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    return data_ + size_;
  }
  void Grow(std::size_t n);
  void Commit(const char* end) { size_ = static_cast<std::size_t>(end - data_); }
  void Put(std::string_view text);
  void Key(std::string_view key);
  void String(std::string_view text);

  static constexpr std::size_t kInlineBytes = 232;  // event payloads fit
  char inline_[kInlineBytes];
  std::string heap_;  // used once a payload outgrows inline_
  char* data_ = inline_;
  std::size_t size_ = 0;
  std::size_t capacity_ = kInlineBytes;
};

}  // namespace libsync::detail
