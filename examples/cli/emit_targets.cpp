#include "emit_targets.hpp"

#include <algorithm>
#include <sstream>

namespace aitk {

const std::vector<EmitTarget>& AllEmitTargets() {
  static const std::vector<EmitTarget> kAll = {EmitTarget::kClaude, EmitTarget::kAgents,  EmitTarget::kCursor,
                                               EmitTarget::kCopilot, EmitTarget::kGemini, EmitTarget::kWindsurf};
  return kAll;
}

std::string_view EmitTargetName(EmitTarget target) {
  switch (target) {
    case EmitTarget::kClaude: return "claude";
    case EmitTarget::kAgents: return "agents";
    case EmitTarget::kCursor: return "cursor";
    case EmitTarget::kCopilot: return "copilot";
    case EmitTarget::kGemini: return "gemini";
    case EmitTarget::kWindsurf: return "windsurf";
  }
  return "?";
}

libsync::Result<std::vector<EmitTarget>> ParseEmitTargets(const std::string& list) {
  std::vector<bool> wanted(AllEmitTargets().size(), false);
  std::string item;
  std::string normalised = list;
  std::replace(normalised.begin(), normalised.end(), ' ', ',');
  std::stringstream parts(normalised);
  while (std::getline(parts, item, ',')) {
    if (item.empty()) continue;
    if (item == "all") {
      wanted.assign(wanted.size(), true);
      continue;
    }
    bool known = false;
    for (std::size_t i = 0; i < AllEmitTargets().size(); ++i) {
      if (item == EmitTargetName(AllEmitTargets()[i])) wanted[i] = known = true;
    }
    if (!known) {
      return libsync::Status::InvalidArgument("unknown emit target '" + item +
                                              "': use claude, agents, cursor, copilot, gemini, windsurf or all");
    }
  }
  std::vector<EmitTarget> out;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (wanted[i]) out.push_back(AllEmitTargets()[i]);
  }
  return out;
}

}  // namespace aitk
