#pragma once
// Input rules of docs/security.md that do not depend on a transport.

#include <string>
#include <string_view>

#include "libsync/status.hpp"

namespace libsync {

/// The files a workstation keeps beside the pulled docs, in the top folder of `.docs/`:
/// the docs hash it last pulled and the hash of each file it wrote. No doc may take
/// their names (in any letter case, as case-insensitive file systems compare them).
inline constexpr std::string_view kPulledHashFileName = ".sync-hash";
inline constexpr std::string_view kPulledManifestFileName = ".sync-manifest";

/// A document fileName: relative, '/'-separated, no empty, "." or ".." segment, no leading
/// '/', no backslash, no NUL or control characters, valid UTF-8, each segment at most
/// 255 bytes, at most 1024 bytes in all; and every segment one that every workstation can
/// write as a plain file: not `.git` in any spelling git refuses to check out (any case,
/// NTFS `git~1` / trailing dots and spaces, HFS+ ignorable code points), not a Windows
/// device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without extension), no trailing
/// dot or space, none of `< > : " | ? *`; not one of the workstation's own files
/// (kPulledHashFileName, kPulledManifestFileName). Returns kInvalidArgument saying which
/// rule failed.
/// Every name a doc is written under, and every name a workstation writes, passes it.
Status ValidateFileName(std::string_view file_name);

/// A name a doc may already have in the store: ValidateFileName's path rules without the
/// workstation rules, which came later. Reads and deletes take it, so such docs stay
/// readable and removable through the API; they are never served to workstations.
Status ValidateStoredFileName(std::string_view file_name);

/// A project docsPath: like a fileName, or empty for the repository root. `field` is the
/// name the message gives it (an import's `path` is checked by the same rules).
Status ValidateDocsPath(std::string_view docs_path, std::string_view field = "docsPath");

/// A folder as a docsPath is stored and compared: without trailing '/', and "" for the
/// repository's top ("." or "/" alike), so `docs/` and `docs` are one place.
std::string NormalizeDocsPath(std::string path);

/// A git branch name, following git-check-ref-format's rules for a single branch.
Status ValidateBranchName(std::string_view branch);

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text) noexcept;

/// `text` with every byte that starts no well-formed character replaced by U+FFFD: for
/// text a client or a repository sent that goes back out in JSON (RFC 8259 §8.1 wants
/// UTF-8), such as a refused name in an error message.
std::string ValidUtf8(std::string_view text);

/// Free text (a lock reason): valid UTF-8 without NUL, at most `max_bytes`; line breaks
/// and tabs allowed. `what` names the field in the message.
Status ValidateText(std::string_view value, std::string_view what, std::size_t max_bytes);

/// A short label (name, lockedBy): non-empty, valid UTF-8, no control characters,
/// at most `max_bytes`. `what` names the field in the message.
Status ValidateLabel(std::string_view value, std::string_view what, std::size_t max_bytes);

}  // namespace libsync
