#pragma once
// Where aitk may write in the project folder. Every path it writes or removes outside the
// docs folder (CLAUDE.md, .cursor/rules/x.mdc, .claude/settings.json, ...) is checked here
// first, with the same name rules a pull applies to doc names.

#include <filesystem>
#include <string>

#include "libsync/result.hpp"

namespace aitk {

/// `relative` under `project_dir`, when it passes libsync::ValidateFileName and no part of
/// it below the project folder is a symbolic link (a link could lead the write out of the
/// project, e.g. a committed `.cursor` -> `/etc`). InvalidArgument saying why otherwise.
libsync::Result<std::filesystem::path> PathInProject(const std::filesystem::path& project_dir,
                                                     const std::string& relative);

}  // namespace aitk
