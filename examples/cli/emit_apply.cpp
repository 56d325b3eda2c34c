#include "emit_apply.hpp"

#include <set>

#include "files.hpp"
#include "generated_file.hpp"
#include "marked_region.hpp"
#include "project_paths.hpp"

namespace aitk {
namespace {

namespace fs = std::filesystem;

// The current content of `path`: nullopt when absent; a warning (and false) when it is
// there but not a regular file aitk can read.
bool ReadExisting(const fs::path& path, const std::string& relative, std::optional<std::string>& text,
                  EmitReport& report) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (!fs::exists(status)) return true;
  if (!fs::is_regular_file(status) || !(text = ReadFile(path))) {
    report.warnings.push_back(relative + ": not a regular, readable file; left alone");
    return false;
  }
  return true;
}

void Write(const fs::path& path, const std::string& relative, const std::string& content, EmitReport& report) {
  if (libsync::Status s = WriteFileAtomically(path, content); !s.ok()) {
    report.warnings.push_back(relative + ": " + s.message());
  } else {
    report.written.push_back(relative);
  }
}

void ApplyRegion(const fs::path& project_dir, const RegionOutput& region, EmitReport& report) {
  auto path = PathInProject(project_dir, region.file);
  if (!path) return report.warnings.push_back(path.error().message());
  std::optional<std::string> existing;
  if (!ReadExisting(*path, region.file, existing, report)) return;
  auto updated = ReplaceRegion(existing.value_or(""), region.begin_line, region.body);
  if (!updated) {
    return report.warnings.push_back(region.file + ": left alone because " + updated.error().message() +
                                     "; fix the markers by hand");
  }
  if (existing && *existing == *updated) return;  // unchanged: not even the mtime moves
  Write(*path, region.file, *updated, report);
}

void ApplyFile(const fs::path& project_dir, const FileOutput& file, EmitReport& report) {
  auto path = PathInProject(project_dir, file.file);
  if (!path) return report.warnings.push_back(path.error().message());
  std::optional<std::string> existing;
  if (!ReadExisting(*path, file.file, existing, report)) return;
  const std::string wanted = WithGeneratedMarker(file.content, file.source);
  if (existing) {
    if (*existing == wanted) return;
    switch (InspectGenerated(*existing)) {
      case GeneratedState::kNotOurs:
        return report.warnings.push_back(file.file + ": not written by aitk; left alone (move it away to let aitk write "
                                         + file.source + " there)");
      case GeneratedState::kHandEdited:
        return report.warnings.push_back(file.file + ": edited by hand since aitk wrote it; kept (delete it to get "
                                         + file.source + " again)");
      case GeneratedState::kUnchanged:
        break;
    }
  }
  Write(*path, file.file, wanted, report);
}

// Removes the now-empty folders between a removed file and its generated folder.
void RemoveEmptyParents(fs::path dir, const fs::path& stop) {
  std::error_code ec;
  while (dir != stop && dir.string().size() > stop.string().size() && fs::is_empty(dir, ec) && !ec) {
    fs::remove(dir, ec);
    dir = dir.parent_path();
  }
}

void RemoveStale(const fs::path& project_dir, const std::string& dir, const std::set<std::string>& wanted,
                 EmitReport& report) {
  auto root = PathInProject(project_dir, dir);
  if (!root) return;  // a linked or hostile folder: nothing of ours can be in it
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(*root, ec))) return;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(*root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->is_symlink()) continue;
    const std::string relative = it->path().lexically_relative(project_dir).generic_string();
    if (!wanted.count(relative)) stale.push_back(it->path());
  }
  for (const fs::path& path : stale) {
    const std::string relative = path.lexically_relative(project_dir).generic_string();
    const auto text = ReadFile(path);
    if (!text) continue;
    switch (InspectGenerated(*text)) {
      case GeneratedState::kNotOurs:
        break;
      case GeneratedState::kHandEdited:
        report.warnings.push_back(relative + ": its doc is gone, but it was edited by hand; kept");
        break;
      case GeneratedState::kUnchanged:
        if (fs::remove(path, ec)) {
          report.removed.push_back(relative);
          RemoveEmptyParents(path.parent_path(), *root);
        }
        break;
    }
  }
}

}  // namespace

EmitReport ApplyEmit(const fs::path& project_dir, const EmitPlan& plan) {
  EmitReport report;
  report.warnings = plan.warnings;
  for (const RegionOutput& region : plan.regions) ApplyRegion(project_dir, region, report);
  std::set<std::string> wanted;
  for (const FileOutput& file : plan.files) {
    wanted.insert(file.file);
    ApplyFile(project_dir, file, report);
  }
  for (const std::string& dir : plan.generated_dirs) RemoveStale(project_dir, dir, wanted, report);
  return report;
}

}  // namespace aitk
