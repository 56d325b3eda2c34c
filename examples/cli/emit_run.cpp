#include "emit_run.hpp"

#include "files.hpp"
#include "libsync/validation.hpp"

namespace aitk {

namespace fs = std::filesystem;

std::string DocsDirInProject(const Config& config) {
  const fs::path relative = config.docs_dir.lexically_relative(config.project_dir);
  return relative.empty() ? config.docs_dir.generic_string() : relative.generic_string();
}

std::vector<EmitDoc> LoadPulledDocs(const DocsFolder& folder, std::vector<std::string>& warnings) {
  std::vector<EmitDoc> docs;
  for (const auto& [name, hash] : folder.Manifest()) {
    if (libsync::Status s = libsync::ValidateFileName(name); !s.ok()) {
      warnings.push_back("skipped doc '" + name + "': " + s.message());
      continue;
    }
    const fs::path path = folder.dir() / fs::path(name);
    std::error_code ec;
    std::optional<std::string> content;
    if (fs::is_regular_file(fs::symlink_status(path, ec))) content = ReadFile(path);
    if (!content) {
      warnings.push_back("skipped doc '" + name + "': not readable in " + folder.dir().string());
      continue;
    }
    docs.push_back({name, *content, ParseFrontMatter(*content)});
  }
  return docs;
}

EmitReport RunEmit(const Config& config, const DocsFolder& folder, const std::vector<EmitTarget>& targets,
                   std::ostream& out, std::ostream& warn) {
  std::vector<std::string> load_warnings;
  const std::vector<EmitDoc> docs = LoadPulledDocs(folder, load_warnings);
  EmitPlan plan = PlanEmit(docs, targets, DocsDirInProject(config));
  plan.warnings.insert(plan.warnings.begin(), load_warnings.begin(), load_warnings.end());
  EmitReport report = ApplyEmit(config.project_dir, plan);
  std::string names;
  for (EmitTarget t : targets) names += (names.empty() ? "" : ", ") + std::string(EmitTargetName(t));
  out << "emitted for " << names << ": " << report.written.size() << " written, " << report.removed.size()
      << " removed";
  if (!report.warnings.empty()) out << ", " << report.warnings.size() << " left alone (see warnings)";
  out << "\n";
  for (const std::string& w : report.warnings) warn << "aitk: WARNING: " << w << "\n";
  return report;
}

}  // namespace aitk
