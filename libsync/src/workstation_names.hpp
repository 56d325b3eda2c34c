#pragma once
// Which path segments every workstation can write as a plain file. `aitk pull` writes each
// doc under `.docs/`; a segment git treats as its own folder (`.git` and every spelling
// that a case-folding, NTFS or HFS+ file system takes for it) would let whoever can write
// a doc plant repository configuration (a `core.fsmonitor` command, a hook) on teammates'
// machines, and a segment Windows or macOS cannot create breaks their pull. The rules
// follow git's own `verify_path` (read-tree.c / path.c: `is_ntfs_dotgit`,
// `is_hfs_dotgit`) and Windows' naming rules.

#include <optional>
#include <string_view>

namespace libsync::detail {

/// ASCII letters compared without case; every other byte exactly.
bool EqualsIgnoringCase(std::string_view a, std::string_view b) noexcept;

/// Whether `segment` is git's own folder, ".git", in a spelling some file system takes for
/// it (any letter case, NTFS's short name "git~1" and trailing dots and spaces, HFS+'s
/// ignored code points): git and libgit2 write no tree entry named so.
bool IsGitFolderName(std::string_view segment) noexcept;
inline constexpr std::string_view kGitFolderReason =
    "is git's own folder (.git, in some spelling a workstation's file system takes for it)";

/// Why `segment` (one '/'-separated part of a name, already valid UTF-8 without control
/// characters) cannot be a file on every workstation, or nullopt when it can.
std::optional<std::string_view> UnportableSegmentReason(std::string_view segment) noexcept;

}  // namespace libsync::detail
