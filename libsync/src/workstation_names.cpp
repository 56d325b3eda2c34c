#include "workstation_names.hpp"

#include <array>
#include <cstdint>

namespace libsync::detail {
namespace {

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Decodes the code point at `i` of valid UTF-8 and advances `i` past it.
std::uint32_t NextCodePoint(std::string_view s, std::size_t& i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

// HFS+ drops these when it compares names, so ".g\u200Cit" opens ".git" on a Mac
// (git's next_hfs_char).
bool IgnoredByHfs(std::uint32_t cp) noexcept {
  return (cp >= 0x200C && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x206A && cp <= 0x206F) ||
         cp == 0xFEFF;
}

// ".git" in any letter case once HFS+'s ignored code points are dropped.
bool IsHfsDotGit(std::string_view segment) noexcept {
  constexpr std::string_view kDotGit = ".git";
  std::size_t matched = 0;
  for (std::size_t i = 0; i < segment.size();) {
    const std::uint32_t cp = NextCodePoint(segment, i);
    if (IgnoredByHfs(cp)) continue;
    if (cp > 0x7F || matched == kDotGit.size() || Lower(static_cast<char>(cp)) != kDotGit[matched]) return false;
    ++matched;
  }
  return matched == kDotGit.size();
}

// ".git" or its 8.3 short name "git~1", in any case, followed only by dots and spaces
// (which NTFS strips) up to the end or an alternate-data-stream ':' (git's is_ntfs_dotgit).
bool IsNtfsDotGit(std::string_view segment) noexcept {
  std::size_t rest;
  if (segment.size() >= 4 && EqualsIgnoringCase(segment.substr(0, 4), ".git")) {
    rest = 4;
  } else if (segment.size() >= 5 && EqualsIgnoringCase(segment.substr(0, 5), "git~1")) {
    rest = 5;
  } else {
    return false;
  }
  for (; rest < segment.size(); ++rest) {
    const char c = segment[rest];
    if (c == ':') return true;
    if (c != '.' && c != ' ') return false;
  }
  return true;
}

// CON, PRN, AUX, NUL, COM1-9, LPT1-9 (and the superscript digits Windows also takes),
// CONIN$, CONOUT$: Windows opens the device instead of a file, with any extension and
// with spaces before it ("nul .md" is NUL too).
bool IsWindowsDeviceName(std::string_view segment) noexcept {
  std::string_view base = segment.substr(0, segment.find('.'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  static constexpr std::array<std::string_view, 6> kNames = {"con", "prn", "aux", "nul", "conin$", "conout$"};
  for (const std::string_view name : kNames) {
    if (EqualsIgnoringCase(base, name)) return true;
  }
  if (base.size() < 4) return false;
  const std::string_view stem = base.substr(0, 3);
  if (!EqualsIgnoringCase(stem, "com") && !EqualsIgnoringCase(stem, "lpt")) return false;
  const std::string_view digit = base.substr(3);
  if (digit.size() == 1) return digit[0] >= '1' && digit[0] <= '9';
  return digit == "\xC2\xB9" || digit == "\xC2\xB2" || digit == "\xC2\xB3";  // ¹ ² ³
}

}  // namespace

bool EqualsIgnoringCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsGitFolderName(std::string_view segment) noexcept { return IsNtfsDotGit(segment) || IsHfsDotGit(segment); }

std::optional<std::string_view> UnportableSegmentReason(std::string_view segment) noexcept {
  if (IsGitFolderName(segment)) return kGitFolderReason;
  for (const char c : segment) {
    switch (c) {
      case '<': case '>': case ':': case '"': case '|': case '?': case '*':
        return "contains one of < > : \" | ? * (not allowed in Windows file names)";
      default:
        break;
    }
  }
  if (!segment.empty() && (segment.back() == '.' || segment.back() == ' ')) {
    return "ends with a dot or a space (Windows drops them, so the file would get another name)";
  }
  if (IsWindowsDeviceName(segment)) return "is a Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9)";
  return std::nullopt;
}

}  // namespace libsync::detail
