#pragma once
// `aitk hook install|uninstall [claude]`: writes aitk's hooks into the assistant's project
// settings, or takes them out again. Only Claude Code is offered (docs/emit.md says why
// the others are not).

#include "config.hpp"

namespace aitk {

/// words: {"hook", "install"|"uninstall", [assistant]}. --dry-run prints the file as it
/// would be and writes nothing.
int RunHookInstall(const Config& config, bool install);

/// `.claude/settings.json` in the project, relative.
inline constexpr const char* kClaudeSettingsFile = ".claude/settings.json";

}  // namespace aitk
