#include "case_twins.hpp"

namespace libsync::detail {
namespace {

/// Whether `folder` names a folder `file` sits in (at any depth).
bool IsFolderOf(std::string_view folder, std::string_view file) {
  return file.size() > folder.size() && file[folder.size()] == '/' && file.starts_with(folder);
}

constexpr const char* kFoldingDisk = " on a workstation whose file system folds case (macOS, Windows)";

}  // namespace

std::string FoldedName(std::string_view name) {
  std::string folded(name);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

PathClash PathClashOf(std::string_view name, std::string_view other) {
  const std::string a = FoldedName(name);
  const std::string b = FoldedName(other);
  if (a == b) return PathClash::kSameFile;
  if (IsFolderOf(b, a)) return PathClash::kInsideTheOther;
  if (IsFolderOf(a, b)) return PathClash::kAroundTheOther;
  return PathClash::kNone;
}

std::string PathClashReason(std::string_view name, std::string_view other) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "literal" + string&&.
  std::string reason = "'";
  reason.append(name);
  switch (PathClashOf(name, other)) {
    case PathClash::kSameFile:
      reason.append("' and '").append(other);
      reason += "' differ only in letter case: a workstation whose file system folds case (macOS, Windows) would "
                "hold one file for both";
      return reason;
    case PathClash::kInsideTheOther:
      reason.append("' would make the doc '").append(other).append("' a folder");
      if (!name.starts_with(other)) reason += kFoldingDisk;
      break;
    case PathClash::kAroundTheOther:
      reason.append("' is a folder of docs ('").append(other).append("')");
      if (!other.starts_with(name)) reason += kFoldingDisk;
      break;
    case PathClash::kNone:
      return {};
  }
  reason += "; a name cannot be a file and a folder at once";
  return reason;
}

}  // namespace libsync::detail
