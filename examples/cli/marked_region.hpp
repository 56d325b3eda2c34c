#pragma once
// The part of a shared file (CLAUDE.md, AGENTS.md, GEMINI.md, copilot-instructions.md)
// that aitk owns: the lines from `<!-- aitk:begin ... -->` to `<!-- aitk:end -->`.
// Everything outside them is the team's own text and is kept byte for byte.

#include <string>

#include "libsync/result.hpp"

namespace aitk {

inline constexpr const char* kRegionBeginPrefix = "<!-- aitk:begin";
inline constexpr const char* kRegionEnd = "<!-- aitk:end -->";

/// `existing` with its region's body replaced by `body` (which ends with a newline or is
/// empty). A file without a region gets one appended after a blank line; an empty or
/// absent file becomes the region alone. Fails (InvalidArgument, naming the problem) when
/// the markers are unbalanced (a begin without its end, an end first, two regions): then
/// aitk cannot tell its text from the team's, so the caller leaves the file alone.
libsync::Result<std::string> ReplaceRegion(const std::string& existing, const std::string& begin_line,
                                           const std::string& body);

/// `text` made safe to place inside a region: a line that would read as one of aitk's
/// markers is defused, so a doc can never end the region early or open another.
std::string DefuseMarkers(const std::string& text);

}  // namespace aitk
