#include "hook_install.hpp"

#include <iostream>

#include "claude_settings.hpp"
#include "commands.hpp"
#include "files.hpp"
#include "project_paths.hpp"

namespace aitk {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

int Refuse(const std::string& message) {
  std::cerr << "aitk: " << message << "\n";
  return kExitUsage;
}

}  // namespace

int RunHookInstall(const Config& config, bool install) {
  const std::string assistant = config.words.size() > 2 ? config.words[2] : "claude";
  if (config.words.size() > 3) return Refuse("hook " + config.words[1] + " takes one assistant (claude)");
  if (assistant != "claude") {
    return Refuse("aitk installs hooks for claude only ('" + assistant + "' asked): Cursor runs the hooks in "
                  ".claude/settings.json too (Settings > Features > Third-party skills); the other assistants' "
                  "hooks block an edit and add context in other ways than aitk's hook commands speak "
                  "(see docs/emit.md)");
  }
  auto path = PathInProject(config.project_dir, kClaudeSettingsFile);
  if (!path) return Refuse(path.error().message());

  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(*path, ec));
  json::object settings;
  if (exists) {
    const auto text = ReadFile(*path);
    if (!text) return Refuse("cannot read " + path->string());
    boost::system::error_code parse_error;
    json::value parsed = json::parse(*text, parse_error);
    if (parse_error || !parsed.is_object()) {
      return Refuse(path->string() + " is not a JSON object (" +
                    (parse_error ? parse_error.message() : std::string("another JSON value")) +
                    "); fix it by hand, nothing was changed");
    }
    settings = std::move(parsed.as_object());
  }
  const bool changed = install ? AddClaudeHooks(settings) : RemoveClaudeHooks(settings);
  const std::string verb = install ? "installed" : "removed";
  if (!changed) {
    std::cout << "nothing to do: aitk's hooks are " << (install ? "already in " : "not in ") << kClaudeSettingsFile
              << "\n";
    return kExitOk;
  }
  // A settings file that held only aitk's hooks goes away with them.
  const bool remove_file = !install && settings.empty();
  if (config.Has("--dry-run")) {
    if (remove_file) {
      std::cout << "would remove " << kClaudeSettingsFile << " (it held only aitk's hooks)\n";
    } else {
      std::cout << "would write " << kClaudeSettingsFile << ":\n" << PrettyJson(settings);
    }
    std::cout << "(dry run: nothing written)\n";
    return kExitOk;
  }
  if (remove_file) {
    fs::remove(*path, ec);
    if (ec) return Refuse("cannot remove " + path->string() + ": " + ec.message());
  } else if (libsync::Status s = WriteFileAtomically(*path, PrettyJson(settings)); !s.ok()) {
    std::cerr << "aitk: " << s.message() << "\n";
    return kExitFailed;
  }
  std::cout << verb << " aitk's SessionStart and PreToolUse hooks " << (install ? "in " : "from ")
            << kClaudeSettingsFile << "\n";
  return kExitOk;
}

}  // namespace aitk
