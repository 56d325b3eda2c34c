#pragma once
// Doc names that differ only in letter case ("README.md" and "readme.md") are one file on
// a workstation whose file system folds case (macOS's default APFS, NTFS under Windows and
// WSL): the second write would replace the first, so aitk refuses such a pull whole
// (docs/semantics.md). Writes and imports keep a project free of them.

#include <string>
#include <string_view>

namespace libsync::detail {

/// `name` with its ASCII letters in lower case: two names equal in this form are case
/// twins. Other letters are left as they are (APFS folds those too; aitk's own check on
/// the workstation catches what this does not).
std::string FoldedName(std::string_view name);

/// Why a doc named `name` cannot be created beside its case twin `twin` (a doc, or a file
/// of the same import).
std::string CaseTwinReason(std::string_view name, std::string_view twin);

}  // namespace libsync::detail
