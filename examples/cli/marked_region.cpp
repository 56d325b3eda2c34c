#include "marked_region.hpp"

#include <optional>
#include <vector>

namespace aitk {
namespace {

using libsync::Status;

struct Line {
  std::size_t begin = 0, end = 0;  // [begin, end) without the newline; next line at end+1
};

std::vector<Line> SplitLines(const std::string& text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    lines.push_back({pos, end});
    pos = end + 1;
  }
  return lines;
}

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsBegin(std::string_view line) { return Trimmed(line).starts_with(kRegionBeginPrefix); }
bool IsEnd(std::string_view line) { return Trimmed(line).starts_with("<!-- aitk:end"); }

}  // namespace

libsync::Result<std::string> ReplaceRegion(const std::string& existing, const std::string& begin_line,
                                           const std::string& body) {
  const std::string region = begin_line + "\n" + body + kRegionEnd + "\n";
  std::optional<std::size_t> begin_at, end_after;
  for (const Line& line : SplitLines(existing)) {
    const std::string_view text(existing.data() + line.begin, line.end - line.begin);
    if (IsBegin(text)) {
      if (begin_at) return Status::InvalidArgument("it has two aitk:begin markers");
      begin_at = line.begin;
    } else if (IsEnd(text)) {
      if (!begin_at || end_after) return Status::InvalidArgument("an aitk:end marker has no aitk:begin before it");
      end_after = std::min(line.end + 1, existing.size());
    }
  }
  if (begin_at && !end_after) return Status::InvalidArgument("its aitk:begin marker has no aitk:end after it");
  if (begin_at) return existing.substr(0, *begin_at) + region + existing.substr(*end_after);
  if (existing.empty()) return region;
  // Appended after the team's text, separated by one blank line.
  std::string out = existing;
  if (out.back() != '\n') out += '\n';
  if (out.size() < 2 || out[out.size() - 2] != '\n') out += '\n';
  return out + region;
}

std::string DefuseMarkers(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const Line& line : SplitLines(text)) {
    std::string_view view(text.data() + line.begin, line.end - line.begin);
    if (IsBegin(view) || IsEnd(view)) {
      // "<!-- aitk:" becomes "<!-- aitk (quoted):" - still visible, no longer a marker.
      std::string copy(view);
      copy.replace(copy.find("aitk:"), 5, "aitk (quoted):");
      out += copy;
    } else {
      out.append(view);
    }
    if (line.end < text.size()) out += '\n';
  }
  return out;
}

}  // namespace aitk
