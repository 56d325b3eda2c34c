#include "json_writer.hpp"

namespace libsync::detail {

namespace {

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t clean = 0;  // most values need no escaping: append them in one go
  while (clean < text.size() && !NeedsEscape(static_cast<unsigned char>(text[clean]))) ++clean;
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  out.append(text.data(), clean);
  std::size_t run = clean;  // start of the pending run of characters that need no escape
  for (std::size_t i = clean; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) continue;
    out.append(text, run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text, run, text.size() - run);
  out += '"';
}

void JsonObject::Key(std::string_view key) {
  if (out_.size() > 1) out_ += ',';
  // Keys are the core's own ASCII literals: nothing to escape.
  out_ += '"';
  out_ += key;
  out_ += "\":";
}

JsonObject& JsonObject::Add(std::string_view key, std::string_view value) {
  Key(key);
  AppendJsonString(out_, value);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, std::int64_t value) {
  Key(key);
  out_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, bool value) {
  Key(key);
  out_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, Timestamp value) {
  Key(key);
  out_ += '"';
  AppendTimestamp(out_, value);
  out_ += '"';
  return *this;
}

JsonObject& JsonObject::Add(std::string_view key, const std::vector<std::string>& values) {
  Key(key);
  out_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_ += ',';
    AppendJsonString(out_, values[i]);
  }
  out_ += ']';
  return *this;
}

std::string JsonObject::Finish() {
  out_ += '}';
  return std::move(out_);
}

}  // namespace libsync::detail
