#pragma once
// A minimal JSON object writer for event payloads, so the core needs no JSON library.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/timestamp.hpp"

namespace libsync::detail {

/// Appends `text` as a JSON string literal (quotes included), escaping per RFC 8259.
void AppendJsonString(std::string& out, std::string_view text);

/// Builds one flat JSON object: JsonObject().Add("a", "x").Add("n", 3).Finish().
class JsonObject {
 public:
  JsonObject() {
    out_.reserve(256);  // event payloads fit, so building one allocates once
    out_ += '{';
  }
  JsonObject& Add(std::string_view key, std::string_view value);
  JsonObject& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  JsonObject& Add(std::string_view key, std::int64_t value);
  JsonObject& Add(std::string_view key, bool value);
  JsonObject& Add(std::string_view key, Timestamp value);
  JsonObject& Add(std::string_view key, const std::vector<std::string>& values);
  std::string Finish();

 private:
  void Key(std::string_view key);
  std::string out_;
};

}  // namespace libsync::detail
