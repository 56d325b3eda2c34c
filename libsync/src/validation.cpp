#include "libsync/validation.hpp"

#include <cstdint>
#include <cstring>
#include <string>

#include "workstation_names.hpp"

namespace libsync {
namespace {

constexpr std::size_t kMaxSegmentBytes = 255;
constexpr std::size_t kMaxPathBytes = 1024;

bool IsControl(unsigned char c) noexcept { return c < 0x20 || c == 0x7F; }

// What a path's segments must also be: anything (a name already stored), no spelling of
// git's own folder (a folder of the repository: git writes no tree entry named so), or a
// file every workstation can hold.
enum class Segments { kAnyFile, kRepository, kEveryWorkstation };

Status ValidateRelativePath(std::string_view path, std::string_view what, Segments segments) {
  const std::string w(what);
  if (path.size() > kMaxPathBytes) {
    return Status::InvalidArgument(w + " is longer than 1024 bytes");
  }
  if (!IsValidUtf8(path)) return Status::InvalidArgument(w + " is not valid UTF-8");
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return Status::InvalidArgument(w + " contains a NUL byte");
    if (IsControl(c)) return Status::InvalidArgument(w + " contains a control character");
    if (c == '\\') return Status::InvalidArgument(w + " contains a backslash");
  }
  if (path.front() == '/') return Status::InvalidArgument(w + " must be relative (leading '/')");
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty()) return Status::InvalidArgument(w + " has an empty path segment");
    if (segment == "." || segment == "..") {
      return Status::InvalidArgument(w + " must not contain '.' or '..' segments");
    }
    if (segment.size() > kMaxSegmentBytes) {
      return Status::InvalidArgument(w + " has a segment longer than 255 bytes");
    }
    if (segments == Segments::kRepository && detail::IsGitFolderName(segment)) {
      return Status::InvalidArgument(w + " segment '" + std::string(segment) + "' " + std::string(detail::kGitFolderReason));
    }
    if (segments == Segments::kEveryWorkstation) {
      if (const auto why = detail::UnportableSegmentReason(segment)) {
        return Status::InvalidArgument(w + " segment '" + std::string(segment) + "' " + std::string(*why));
      }
    }
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

namespace {

// The length of the well-formed UTF-8 sequence that starts at s[i] (1 for ASCII), or 0
// when none does there: a stray continuation byte, an overlong form, a surrogate, a code
// point above U+10FFFF, or a sequence cut short.
std::size_t Utf8SequenceLength(const unsigned char* s, std::size_t i, std::size_t n) noexcept {
  const unsigned char c = s[i];
  if (c < 0x80) return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // no overlongs
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
  }
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view text) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Markdown is mostly ASCII: skip eight such bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const std::size_t len = Utf8SequenceLength(s, i, n);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string ValidUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = Utf8SequenceLength(s, i, text.size());
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER, one per byte that starts no character
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

Status ValidateFileName(std::string_view file_name) {
  if (file_name.empty()) return Status::InvalidArgument("fileName is empty");
  LIBSYNC_RETURN_IF_ERROR(ValidateRelativePath(file_name, "fileName", Segments::kEveryWorkstation));
  if (detail::EqualsIgnoringCase(file_name, kPulledHashFileName) ||
      detail::EqualsIgnoringCase(file_name, kPulledManifestFileName)) {
    return Status::InvalidArgument("fileName '" + std::string(file_name) +
                                   "' is the name of a file workstations keep beside the pulled docs");
  }
  return Status::Ok();
}

Status ValidateStoredFileName(std::string_view file_name) {
  if (file_name.empty()) return Status::InvalidArgument("fileName is empty");
  return ValidateRelativePath(file_name, "fileName", Segments::kAnyFile);
}

Status ValidateDocsPath(std::string_view docs_path, std::string_view field) {
  if (docs_path.empty()) return Status::Ok();
  // A folder in the repository, never written on a workstation: the path rules, and none
  // of its folders may be git's own.
  return ValidateRelativePath(docs_path, field, Segments::kRepository);
}

std::string NormalizeDocsPath(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path == ".") path.clear();
  return path;
}

Status ValidateBranchName(std::string_view b) {
  auto bad = [](const std::string& why) { return Status::InvalidArgument("branch " + why); };
  if (b.empty()) return bad("is empty");
  if (b.size() > 255) return bad("is longer than 255 bytes");
  if (b == "@") return bad("must not be '@'");
  // A branch is named as `git switch` takes it: "HEAD" is none, and "refs/heads/main"
  // would be the branch refs/heads/refs/heads/main.
  if (b == "HEAD") return bad("must not be 'HEAD'");
  if (b.substr(0, 5) == "refs/") return bad("is a branch name like 'main', not a ref ('refs/heads/main')");
  if (b.front() == '/' || b.back() == '/' || b.front() == '-') {
    return bad("must not start or end with '/' or start with '-'");
  }
  if (b.back() == '.') return bad("must not end with '.'");
  if (b.size() >= 5 && b.substr(b.size() - 5) == ".lock") return bad("must not end with '.lock'");
  if (b.find("..") != std::string_view::npos || b.find("//") != std::string_view::npos ||
      b.find("@{") != std::string_view::npos || b.find("/.") != std::string_view::npos ||
      b.front() == '.') {
    return bad("contains '..', '//', '@{' or a component starting with '.'");
  }
  for (const char ch : b) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsControl(c) || c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' ||
        c == '[' || c == '\\') {
      return bad("contains a character git does not allow in ref names");
    }
  }
  return Status::Ok();
}

Status ValidateText(std::string_view value, std::string_view what, std::size_t max_bytes) {
  const std::string w(what);
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(w + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(value)) return Status::InvalidArgument(w + " is not valid UTF-8");
  // PostgreSQL's text type cannot hold NUL and C APIs cut strings at it: no store may take it.
  if (value.find('\0') != std::string_view::npos) return Status::InvalidArgument(w + " contains a NUL byte");
  return Status::Ok();
}

Status ValidateLabel(std::string_view value, std::string_view what, std::size_t max_bytes) {
  const std::string w(what);
  if (value.empty()) return Status::InvalidArgument(w + " must not be empty");
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(w + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(value)) return Status::InvalidArgument(w + " is not valid UTF-8");
  for (const char ch : value) {
    if (IsControl(static_cast<unsigned char>(ch))) {
      return Status::InvalidArgument(w + " contains a control character");
    }
  }
  return Status::Ok();
}

}  // namespace libsync
