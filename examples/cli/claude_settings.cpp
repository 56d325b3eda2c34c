#include "claude_settings.hpp"

#include <filesystem>
#include <sstream>
#include <vector>

namespace aitk {
namespace {

namespace json = boost::json;

constexpr const char* kSessionStartCommand = "aitk hook session-start";
constexpr const char* kGuardCommand = "aitk hook guard";

struct AitkHook {
  const char* event;
  const char* matcher;
  const char* command;
  const char* action;  // the word after `aitk hook`
  int timeout;         // seconds; 0: Claude Code's default
};

// SessionStart fires for new, resumed, cleared and compacted sessions: each should start
// on current docs. The guard matches every tool that writes a file.
const AitkHook kHooks[] = {
    {"SessionStart", "startup|resume|clear|compact", kSessionStartCommand, "session-start", 30},
    {"PreToolUse", "Edit|MultiEdit|Write|NotebookEdit", kGuardCommand, "guard", 0},
};

// True when `command` runs `aitk hook <action>` (aitk from any path).
bool RunsAitkHook(const json::value& command, std::string_view action) {
  if (!command.is_string()) return false;
  std::istringstream words{std::string(command.as_string())};
  std::string program, hook, verb;
  words >> program >> hook >> verb;
  return std::filesystem::path(program).filename() == "aitk" && hook == "hook" && verb == action;
}

bool IsOurs(const json::value& handler, std::string_view action) {
  if (!handler.is_object()) return false;
  const json::value* command = handler.as_object().if_contains("command");
  return command && RunsAitkHook(*command, action);
}

bool EventHas(const json::object& settings, const AitkHook& hook) {
  const json::value* hooks = settings.if_contains("hooks");
  if (!hooks || !hooks->is_object()) return false;
  const json::value* groups = hooks->as_object().if_contains(hook.event);
  if (!groups || !groups->is_array()) return false;
  for (const json::value& group : groups->as_array()) {
    if (!group.is_object()) continue;
    const json::value* handlers = group.as_object().if_contains("hooks");
    if (!handlers || !handlers->is_array()) continue;
    for (const json::value& handler : handlers->as_array()) {
      if (IsOurs(handler, hook.action)) return true;
    }
  }
  return false;
}

void Indent(std::string& out, int depth) { out.append(static_cast<std::size_t>(depth) * 2, ' '); }

void Pretty(const json::value& value, std::string& out, int depth) {
  if (value.is_object()) {
    const json::object& object = value.as_object();
    if (object.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& member : object) {
      if (!first) out += ",\n";
      first = false;
      Indent(out, depth + 1);
      out += json::serialize(json::string(member.key())) + ": ";
      Pretty(member.value(), out, depth + 1);
    }
    out += "\n";
    Indent(out, depth);
    out += "}";
  } else if (value.is_array()) {
    const json::array& array = value.as_array();
    if (array.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (i) out += ",\n";
      Indent(out, depth + 1);
      Pretty(array[i], out, depth + 1);
    }
    out += "\n";
    Indent(out, depth);
    out += "]";
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

bool AddClaudeHooks(json::object& settings) {
  bool changed = false;
  for (const AitkHook& hook : kHooks) {
    if (EventHas(settings, hook)) continue;
    json::value& hooks = settings["hooks"];
    if (!hooks.is_object()) hooks = json::object();
    json::value& groups = hooks.as_object()[hook.event];
    if (!groups.is_array()) groups = json::array();
    json::object handler{{"type", "command"}, {"command", hook.command}};
    if (hook.timeout) handler["timeout"] = hook.timeout;
    groups.as_array().push_back(json::object{{"matcher", hook.matcher}, {"hooks", json::array{handler}}});
    changed = true;
  }
  return changed;
}

bool RemoveClaudeHooks(json::object& settings) {
  json::value* hooks = settings.if_contains("hooks");
  if (!hooks || !hooks->is_object()) return false;
  bool changed = false;
  for (const AitkHook& hook : kHooks) {
    json::value* groups = hooks->as_object().if_contains(hook.event);
    if (!groups || !groups->is_array()) continue;
    json::array kept_groups;
    bool event_changed = false;
    for (json::value& group : groups->as_array()) {
      json::value* handlers = group.is_object() ? group.as_object().if_contains("hooks") : nullptr;
      if (!handlers || !handlers->is_array()) {
        kept_groups.push_back(group);
        continue;
      }
      json::array kept;
      for (const json::value& handler : handlers->as_array()) {
        if (IsOurs(handler, hook.action)) {
          event_changed = true;
        } else {
          kept.push_back(handler);
        }
      }
      const bool emptied = kept.empty() && !handlers->as_array().empty();
      *handlers = std::move(kept);
      if (!emptied) kept_groups.push_back(group);
    }
    if (!event_changed) continue;
    changed = true;
    if (kept_groups.empty()) {
      hooks->as_object().erase(hook.event);
    } else {
      *groups = std::move(kept_groups);
    }
  }
  if (changed && hooks->as_object().empty()) settings.erase("hooks");
  return changed;
}

ClaudeHooksPresent FindClaudeHooks(const json::object& settings) {
  return {EventHas(settings, kHooks[0]), EventHas(settings, kHooks[1])};
}

std::string PrettyJson(const json::value& value) {
  std::string out;
  Pretty(value, out, 0);
  return out + "\n";
}

}  // namespace aitk
