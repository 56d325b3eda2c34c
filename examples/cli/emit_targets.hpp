#pragma once
// The assistants `aitk pull --emit LIST` (or AI_TOOLKIT_EMIT) writes the team's docs for.

#include <string>
#include <string_view>
#include <vector>

#include "libsync/result.hpp"

namespace aitk {

enum class EmitTarget { kClaude, kAgents, kCursor, kCopilot, kGemini, kWindsurf };

/// Every target, in the order aitk writes them.
const std::vector<EmitTarget>& AllEmitTargets();

/// The target's name as LIST spells it ("claude", "agents", ...).
std::string_view EmitTargetName(EmitTarget target);

/// "claude, cursor" or "all" -> the targets, each once, in AllEmitTargets() order; empty
/// text -> none. Fails (InvalidArgument listing the valid names) on an unknown name.
libsync::Result<std::vector<EmitTarget>> ParseEmitTargets(const std::string& list);

}  // namespace aitk
