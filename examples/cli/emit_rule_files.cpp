// The emit targets with one file per doc: Cursor (.cursor/rules/*.mdc), Copilot's scoped
// instructions (.github/instructions/*.instructions.md) and Windsurf (.windsurf/rules/*.md).
// Each opens with the front matter its assistant reads, built from the doc's own.

#include <set>

#include "emit_plan.hpp"

namespace aitk {
namespace {

// A YAML double-quoted scalar (values are single-line: front_matter.cpp drops the rest).
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// "guides/style.md" -> "guides/style"; other names keep their extension ("notes.txt").
std::string Stem(const std::string& file_name) {
  return file_name.ends_with(".md") ? file_name.substr(0, file_name.size() - 3) : file_name;
}

// Cursor and Copilot read their folders recursively, so nested docs keep their folders.
// Windsurf documents only the files directly in .windsurf/rules, so there a nested doc's
// folders join its name: "guides/style.md" -> "guides--style.md".
std::string FlatStem(const std::string& file_name) {
  std::string out;
  for (char c : Stem(file_name)) out += c == '/' ? std::string("--") : std::string(1, c);
  return out;
}

// Windsurf ignores what a workspace rule file holds beyond this many characters.
constexpr std::size_t kWindsurfRuleLimit = 12000;

const std::vector<std::string>& Globs(const EmitDoc& doc) {
  return doc.front_matter.globs.empty() ? doc.front_matter.apply_to : doc.front_matter.globs;
}

std::string Body(const EmitDoc& doc) {
  std::string body = doc.front_matter.body;
  if (!body.empty() && body.back() != '\n') body += '\n';
  return body;
}

// Cursor: description, globs (comma-separated, unquoted, as Cursor writes them) and
// alwaysApply, which defaults to true unless the doc scopes or describes itself.
std::string CursorRule(const EmitDoc& doc) {
  const FrontMatter& fm = doc.front_matter;
  std::string out = "---\n";
  if (fm.description) out += "description: " + Quoted(*fm.description) + "\n";
  if (!Globs(doc).empty()) out += "globs: " + Join(Globs(doc), ", ") + "\n";
  const bool always = fm.always_apply.value_or(Globs(doc).empty() && !fm.description);
  out += std::string("alwaysApply: ") + (always ? "true" : "false") + "\n---\n";
  return out + Body(doc);
}

// Copilot: applyTo as one quoted, comma-separated string.
std::string CopilotInstructions(const EmitDoc& doc) {
  std::string out = "---\napplyTo: " + Quoted(Join(Globs(doc), ",")) + "\n";
  if (doc.front_matter.description) out += "description: " + Quoted(*doc.front_matter.description) + "\n";
  return out + "---\n" + Body(doc);
}

// Windsurf: trigger always_on, glob, model_decision or manual; the doc's own `trigger`
// wins when it names one of them.
std::string WindsurfRule(const EmitDoc& doc) {
  const FrontMatter& fm = doc.front_matter;
  static const std::set<std::string> kTriggers = {"always_on", "glob", "model_decision", "manual"};
  std::string trigger = "always_on";
  if (fm.trigger && kTriggers.count(*fm.trigger)) {
    trigger = *fm.trigger;
  } else if (!Globs(doc).empty()) {
    trigger = "glob";
  } else if (fm.description && fm.always_apply == false) {
    trigger = "model_decision";
  }
  std::string out = "---\ntrigger: " + trigger + "\n";
  if (!Globs(doc).empty()) out += "globs: " + Join(Globs(doc), ", ") + "\n";
  if (fm.description) out += "description: " + Quoted(*fm.description) + "\n";
  return out + "---\n" + Body(doc);
}

}  // namespace

void AddRuleFiles(EmitTarget target, const std::vector<const EmitDoc*>& docs, const std::string& docs_dir,
                  EmitPlan& plan) {
  std::string dir, suffix;
  switch (target) {
    case EmitTarget::kCursor: dir = ".cursor/rules", suffix = ".mdc"; break;
    case EmitTarget::kCopilot: dir = ".github/instructions", suffix = ".instructions.md"; break;
    case EmitTarget::kWindsurf: dir = ".windsurf/rules", suffix = ".md"; break;
    default: return;
  }
  plan.generated_dirs.push_back(dir);
  std::set<std::string> taken;
  for (const EmitDoc* doc : docs) {
    if (target == EmitTarget::kCopilot && !IsScoped(*doc)) continue;  // in copilot-instructions.md
    const std::string file =
        dir + "/" + (target == EmitTarget::kWindsurf ? FlatStem(doc->file_name) : Stem(doc->file_name)) + suffix;
    if (!taken.insert(file).second) {
      plan.warnings.push_back(file + ": two docs map to this file; kept the first, skipped " + doc->file_name);
      continue;
    }
    const std::string content = target == EmitTarget::kCursor    ? CursorRule(*doc)
                                : target == EmitTarget::kCopilot ? CopilotInstructions(*doc)
                                                                 : WindsurfRule(*doc);
    if (target == EmitTarget::kWindsurf && content.size() > kWindsurfRuleLimit) {
      plan.warnings.push_back(file + ": longer than Windsurf's 12000 characters per rule; Windsurf reads only the start");
    }
    plan.files.push_back({file, content, docs_dir + "/" + doc->file_name});
  }
}

}  // namespace aitk
