#pragma once
// Puts an EmitPlan on disk without clobbering anyone: a shared file changes only inside
// aitk's markers; a generated file is written only while it is still as aitk wrote it
// (else it is kept, with a warning); a file that is not aitk's is never touched. Writes
// are atomic, and a file whose content would not change is not written at all.

#include <filesystem>
#include <string>
#include <vector>

#include "emit_plan.hpp"

namespace aitk {

struct EmitReport {
  std::vector<std::string> written;    // relative paths created or replaced
  std::vector<std::string> removed;    // generated files whose doc is gone
  std::vector<std::string> warnings;   // what was left alone, and why
};

EmitReport ApplyEmit(const std::filesystem::path& project_dir, const EmitPlan& plan);

}  // namespace aitk
