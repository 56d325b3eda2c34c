// The emit targets that live in a region of a shared file: Claude Code's and Gemini CLI's
// imports (the assistant reads the pulled doc itself, so the region stays short), and
// AGENTS.md / copilot-instructions.md, which have no imports and so carry the text.

#include "emit_plan.hpp"
#include "marked_region.hpp"

namespace aitk {
namespace {

// Claude Code and Gemini CLI end an import's path at whitespace; such a doc cannot be
// imported and is named in a warning instead.
bool HasWhitespace(const std::string& name) { return name.find_first_of(" \t") != std::string::npos; }

}  // namespace

RegionOutput ImportRegion(EmitTarget target, const std::vector<const EmitDoc*>& docs, const std::string& docs_dir,
                          std::vector<std::string>& warnings) {
  const bool claude = target == EmitTarget::kClaude;
  RegionOutput region{claude ? "CLAUDE.md" : "GEMINI.md", RegionBeginLine(docs_dir), {}};
  region.body = "The team's docs, kept current by aitk (read them; do not edit them here):\n";
  for (const EmitDoc* doc : docs) {
    const std::string path = docs_dir + "/" + doc->file_name;
    if (HasWhitespace(path)) {
      warnings.push_back(region.file + ": cannot import '" + path + "' (its name holds a space)");
      continue;
    }
    // Claude Code resolves `@path` from the importing file; Gemini CLI wants `@./path`.
    region.body += (claude ? "@" : "@./") + path + "\n";
  }
  return region;
}

RegionOutput InlineRegion(const std::string& file, const std::vector<const EmitDoc*>& docs,
                          const std::string& docs_dir) {
  RegionOutput region{file, RegionBeginLine(docs_dir), {}};
  for (const EmitDoc* doc : docs) {
    std::string text = DefuseMarkers(doc->front_matter.body);
    if (!text.empty() && text.back() != '\n') text += '\n';
    if (!region.body.empty()) region.body += "\n";
    region.body += "## " + docs_dir + "/" + doc->file_name + "\n\n" + text;
  }
  return region;
}

}  // namespace aitk
