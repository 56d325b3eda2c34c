#pragma once
// Input rules of DESIGN §6 that do not depend on a transport.

#include <string_view>

#include "libsync/status.hpp"

namespace libsync {

/// A document fileName: relative, '/'-separated, no empty, "." or ".." segment, no leading
/// '/', no backslash, no NUL or control characters, valid UTF-8, each segment at most
/// 255 bytes, at most 1024 bytes in all. Returns kInvalidArgument saying which rule failed.
Status ValidateFileName(std::string_view file_name);

/// A project docsPath: like a fileName, or empty for the repository root.
Status ValidateDocsPath(std::string_view docs_path);

/// A git branch name, following git-check-ref-format's rules for a single branch.
Status ValidateBranchName(std::string_view branch);

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text) noexcept;

/// A short label (name, lockedBy): non-empty, valid UTF-8, no control characters,
/// at most `max_bytes`. `what` names the field in the message.
Status ValidateLabel(std::string_view value, std::string_view what, std::size_t max_bytes);

}  // namespace libsync
