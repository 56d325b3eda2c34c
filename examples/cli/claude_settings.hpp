#pragma once
// aitk's two hooks in Claude Code's settings (`.claude/settings.json`): SessionStart runs
// `aitk hook session-start` (pull, and emit when configured), PreToolUse runs `aitk hook
// guard` for the editing tools. The settings are edited as JSON values, never as text,
// and only aitk's own entries are added or removed; every other key and hook stays.

#include <boost/json.hpp>

#include <string>

namespace aitk {

/// Adds the hooks that are missing (a hook whose command runs `aitk hook session-start`
/// or `aitk hook guard`, from any path, counts as present). True when `settings` changed.
bool AddClaudeHooks(boost::json::object& settings);

/// Removes every hook entry that runs aitk's hooks, then the matcher groups, event lists
/// and the "hooks" object that this left empty. True when `settings` changed.
bool RemoveClaudeHooks(boost::json::object& settings);

/// Which of aitk's hooks `settings` holds.
struct ClaudeHooksPresent {
  bool session_start = false;
  bool guard = false;
};
ClaudeHooksPresent FindClaudeHooks(const boost::json::object& settings);

/// `value` as indented JSON (two spaces, keys in their order), ending with a newline: the
/// layout Claude Code itself writes, so a file aitk rewrites stays readable in review.
std::string PrettyJson(const boost::json::value& value);

}  // namespace aitk
