#pragma once
// Files aitk writes whole (.cursor/rules/*.mdc, .github/instructions/*.instructions.md,
// .windsurf/rules/*.md) carry a marker saying so, with the SHA-256 of the rest of the
// file. The marker is how aitk recognises its own files (to update or remove them) and
// how it tells one edited by hand (the hash no longer matches), which it then keeps.
//
// Where the marker goes: the first line, as an HTML comment; but a file that opens with
// YAML front matter must keep `---` on its first line for the assistant to read it, so
// there the marker is a YAML comment on the second line, inside the front matter.

#include <string>

namespace aitk {

/// `content` (what the file should say) with aitk's marker added; `source` names the doc
/// it came from, for the reader.
std::string WithGeneratedMarker(const std::string& content, const std::string& source);

enum class GeneratedState {
  kNotOurs,      // no marker: the team's own file, never touched
  kUnchanged,    // ours, exactly as aitk wrote it
  kHandEdited,   // ours, but changed since: kept, with a warning
};

/// What `text` (a file's current content) is.
GeneratedState InspectGenerated(const std::string& text);

}  // namespace aitk
