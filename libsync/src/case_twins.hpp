#pragma once
// Doc names that differ only in letter case ("README.md" and "readme.md") are one file on
// a workstation whose file system folds case (macOS's default APFS, NTFS under Windows and
// WSL): the second write would replace the first, so aitk refuses such a pull whole
// (docs/semantics.md). So is a doc named like a folder of another doc in any case
// ("Notes.md" beside "notes.md/x.md"): that path would have to be a file and a folder at
// once. Writes and imports keep a project free of both.

#include <string>
#include <string_view>

namespace libsync::detail {

/// `name` with its ASCII letters in lower case: two names equal in this form are case
/// twins. Other letters are left as they are (APFS folds those too; aitk's own check on
/// the workstation catches what this does not).
std::string FoldedName(std::string_view name);

/// How a doc named `name` meets a doc named `other` on a workstation whose file system
/// folds case, their ASCII letters folded (so names that meet as written meet too).
enum class PathClash {
  kNone,
  kSameFile,        // the same name, or case twins
  kInsideTheOther,  // `other` is named like a folder `name` sits in: name "A.md/x.md", other "a.md"
  kAroundTheOther,  // `name` is named like a folder `other` sits in: name "a.md", other "A.md/x.md"
};
PathClash PathClashOf(std::string_view name, std::string_view other);

/// Why a doc named `name` cannot be created beside `other` (a doc, or a file of the same
/// import) under another name; empty when they do not meet.
std::string PathClashReason(std::string_view name, std::string_view other);

}  // namespace libsync::detail
