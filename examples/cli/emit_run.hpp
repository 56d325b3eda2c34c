#pragma once
// `--emit` after a pull: reads the pulled docs from the docs folder, plans every target's
// files and puts them on disk (emit_plan.hpp, emit_apply.hpp).

#include <ostream>
#include <vector>

#include "config.hpp"
#include "docs_folder.hpp"
#include "emit_apply.hpp"
#include "emit_targets.hpp"

namespace aitk {

/// The docs folder as the project sees it in imports and markers (".docs").
std::string DocsDirInProject(const Config& config);

/// The pulled docs, each name checked again with the pull's rules (a doc that fails is
/// skipped with a warning in `warnings`).
std::vector<EmitDoc> LoadPulledDocs(const DocsFolder& folder, std::vector<std::string>& warnings);

/// Emits `targets` for the docs in `folder`; prints one summary line to `out` and each
/// warning ("WARNING: ...") to `warn`.
EmitReport RunEmit(const Config& config, const DocsFolder& folder, const std::vector<EmitTarget>& targets,
                   std::ostream& out, std::ostream& warn);

}  // namespace aitk
