#pragma once
// What `--emit` should put on disk for a set of docs, as pure data: the marked regions of
// shared files and the files aitk generates whole. Computing it touches no file, so the
// formats are testable alone; emit_apply.hpp puts a plan on disk.

#include <filesystem>
#include <string>
#include <vector>

#include "emit_targets.hpp"
#include "front_matter.hpp"

namespace aitk {

struct EmitDoc {
  std::string file_name;  // the doc's fileName, already validated
  std::string content;
  FrontMatter front_matter;
};

/// aitk's region in a shared file (CLAUDE.md, AGENTS.md, ...), paths relative to the project.
struct RegionOutput {
  std::string file;
  std::string begin_line;
  std::string body;
};

/// A file aitk writes whole; `content` is without the generated-by marker.
struct FileOutput {
  std::string file;
  std::string content;
  std::string source;  // the doc it comes from, as the marker names it
};

struct EmitPlan {
  std::vector<RegionOutput> regions;
  std::vector<FileOutput> files;
  /// Folders (relative) whose aitk-generated files are reconciled with `files`: one that is
  /// no longer wanted is removed (unless edited by hand).
  std::vector<std::string> generated_dirs;
  std::vector<std::string> warnings;
};

/// The plan for `targets`. `docs_dir` is the docs folder relative to the project (".docs").
EmitPlan PlanEmit(const std::vector<EmitDoc>& docs, const std::vector<EmitTarget>& targets,
                  const std::string& docs_dir);

// The target families, each in its own file (emit_regions.cpp, emit_rule_files.cpp).

/// CLAUDE.md (claude, `@.docs/x.md`) or GEMINI.md (gemini, `@./.docs/x.md`): imports.
RegionOutput ImportRegion(EmitTarget target, const std::vector<const EmitDoc*>& docs, const std::string& docs_dir,
                          std::vector<std::string>& warnings);
/// AGENTS.md, or .github/copilot-instructions.md: each doc's text under a heading naming it.
RegionOutput InlineRegion(const std::string& file, const std::vector<const EmitDoc*>& docs,
                          const std::string& docs_dir);
/// One file per doc for cursor, copilot (scoped docs only) or windsurf, into `plan`.
void AddRuleFiles(EmitTarget target, const std::vector<const EmitDoc*>& docs, const std::string& docs_dir,
                  EmitPlan& plan);

/// The line that opens aitk's region in every shared file.
std::string RegionBeginLine(const std::string& docs_dir);

/// True when the doc scopes itself to some files (Copilot's applyTo, or globs).
bool IsScoped(const EmitDoc& doc);

}  // namespace aitk
