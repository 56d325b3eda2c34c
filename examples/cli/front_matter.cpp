#include "front_matter.hpp"

#include <sstream>

namespace aitk {
namespace {

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::string Unquote(std::string s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

bool HasControlCharacters(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// "a, b" or "[a, 'b']" -> {a, b}; empty items are dropped.
std::vector<std::string> SplitList(std::string value) {
  value = Trim(value);
  if (value.size() >= 2 && value.front() == '[' && value.back() == ']') value = value.substr(1, value.size() - 2);
  std::vector<std::string> items;
  std::stringstream parts(value);
  std::string item;
  while (std::getline(parts, item, ',')) {
    item = Unquote(item);
    if (!item.empty() && !HasControlCharacters(item)) items.push_back(item);
  }
  return items;
}

std::optional<bool> ParseBool(const std::string& value) {
  const std::string v = Unquote(value);
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  return std::nullopt;
}

// Strips a trailing " # comment" from an unquoted value.
std::string WithoutComment(const std::string& value) {
  const std::string v = Trim(value);
  if (!v.empty() && (v.front() == '"' || v.front() == '\'')) return v;
  const auto hash = v.find(" #");
  return hash == std::string::npos ? v : Trim(v.substr(0, hash));
}

void Assign(FrontMatter& fm, const std::string& key, const std::string& scalar, const std::vector<std::string>& list) {
  if (key == "description") {
    const std::string text = Unquote(scalar);
    if (!text.empty() && !HasControlCharacters(text)) fm.description = text;
  } else if (key == "globs") {
    fm.globs = list;
  } else if (key == "applyTo") {
    fm.apply_to = list;
  } else if (key == "alwaysApply") {
    fm.always_apply = ParseBool(scalar);
  } else if (key == "trigger") {
    const std::string text = Unquote(scalar);
    if (!text.empty() && !HasControlCharacters(text)) fm.trigger = text;
  } else if (key == "targets") {
    fm.targets = list;
  }
}

}  // namespace

FrontMatter ParseFrontMatter(const std::string& content) {
  FrontMatter fm;
  fm.body = content;
  // The block must open on the very first line, as every assistant that reads one expects.
  if (!content.starts_with("---\n") && !content.starts_with("---\r\n")) return fm;
  const std::size_t first_line_end = content.find('\n') + 1;
  std::size_t pos = first_line_end;
  std::vector<std::string> lines;
  std::size_t body_start = std::string::npos;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    const std::size_t next = end == std::string::npos ? content.size() : end + 1;
    std::string line = content.substr(pos, (end == std::string::npos ? content.size() : end) - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "---") {
      body_start = next;
      break;
    }
    lines.push_back(line);
    pos = next;
  }
  if (body_start == std::string::npos) return fm;  // never closed: not front matter
  fm.present = true;
  fm.body = content.substr(body_start);

  std::string key, scalar;
  std::vector<std::string> block;
  bool in_key = false;
  auto flush = [&] {
    if (!in_key) return;
    Assign(fm, key, scalar, scalar.empty() ? block : SplitList(scalar));
    in_key = false;
    block.clear();
  };
  for (const std::string& raw : lines) {
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("- ") && in_key && scalar.empty()) {
      const std::string item = Unquote(WithoutComment(line.substr(2)));
      if (!item.empty() && !HasControlCharacters(item)) block.push_back(item);
      continue;
    }
    if (raw.starts_with(" ") || raw.starts_with("\t")) continue;  // nested values: not ours
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    flush();
    key = Trim(line.substr(0, colon));
    scalar = WithoutComment(line.substr(colon + 1));
    in_key = true;
  }
  flush();
  return fm;
}

}  // namespace aitk
