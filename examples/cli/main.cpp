// aitk: the workstation client. Keeps a project's docs folder current for the AI assistant
// (SessionStart hook), guards it against in-place edits (PreToolUse hook), and lets a lead
// lock, push and follow the docs from a terminal.

#include <iostream>
#include <map>
#include <string>

#include "commands.hpp"
#include "config.hpp"
#include "doctor.hpp"
#include "hook_install.hpp"
#include "libsync/version.hpp"

namespace {

constexpr const char* kUsage = R"(usage: aitk [options] COMMAND [args]

commands:
  status [--json]             lock state, and whether the local docs are current
  pull [--emit LIST]          bring the docs folder up to date (no-op when current), then
                              write it for other assistants (LIST: claude, agents, cursor,
                              copilot, gemini, windsurf, or all; docs/emit.md)
  hook session-start          Claude Code SessionStart hook: check, pull, emit, summarise
  hook guard                  Claude Code PreToolUse hook: block edits in the docs folder
  hook install|uninstall      add aitk's hooks to .claude/settings.json, or take them out
  doctor                      check the set-up end to end, with a fix for each problem
  lock acquire|extend|release take, prolong or give back the project's edit lock
  push FILE                   upload one doc (under the lock, if this machine holds it)
  history FILE                the versions of one doc
  watch                       print the project's events live; resumes after drops

options (also from the environment and ./.env.ai-toolkit):
  --url URL          AI_TOOLKIT_PLATFORM_URL   e.g. http://127.0.0.1:3001
  --key KEY          AI_TOOLKIT_API_KEY        the project's API key (sk_...)
  --project ID       AI_TOOLKIT_PROJECT_ID
  --project-dir DIR  the project folder (default: $CLAUDE_PROJECT_DIR, else .)
  --dir DIR          AI_TOOLKIT_DOCS_DIR       docs folder in the project (default .docs)
  --timeout SECONDS  AI_TOOLKIT_TIMEOUT        to connect, and the longest silence of an
                                               answer, per attempt (default 10)
  --retries N        extra attempts for failed idempotent requests (default 2; none
                     after an attempt that timed out)
  --emit LIST        AI_TOOLKIT_EMIT           assistants to write the docs for after a pull
                     AI_TOOLKIT_CA_FILE        a PEM CA to trust for an https:// platform
                                               (no flag; relative to the project folder
                                               when set in .env.ai-toolkit)
  --version          print aitk's version

exit codes: 0 ok; 1 failed (refused or unreachable, nothing changed); 2 usage or
configuration error (for hook guard: edit blocked); status only: 3 docs behind,
4 locked by someone, 5 both. `aitk COMMAND --help` describes one command.
)";

const std::map<std::string, std::string> kCommandHelp = {
    {"status", "usage: aitk status [--json]\n  Prints the lock state and whether the docs folder holds the server's latest\n"
               "  docs. Exit 0 unlocked and current, 3 behind, 4 locked, 5 locked and behind.\n"
               "  --json prints the same as one JSON object (docs/hooks.md lists its fields).\n"},
    {"doctor", "usage: aitk doctor\n  Checks the settings, that the platform is reachable, the key and its scope,\n"
               "  TLS, the docs folder, the hooks and the emit targets; prints a fix under each\n"
               "  problem. Changes nothing. Exit 0 when no check failed, else 1.\n"},
    {"pull", "usage: aitk pull [--dir .docs] [--emit LIST] [--force]\n  Compares .sync-hash with the server's docs hash; when they differ, writes\n"
             "  every doc into a temporary folder and swaps it in atomically (docs deleted on\n"
             "  the server disappear). A fileName that could escape the folder fails the pull.\n"
             "  --emit LIST (or AI_TOOLKIT_EMIT): after a pull that changed the docs, writes them\n"
             "  for each assistant in LIST (claude, agents, cursor, copilot, gemini, windsurf,\n"
             "  all): only aitk's marked region of a shared file, and generated files that were\n"
             "  not edited by hand. --force emits for current docs too. See docs/emit.md.\n"},
    {"hook", "usage: aitk hook session-start | aitk hook guard | aitk hook install|uninstall [claude] [--dry-run]\n"
             "  session-start: checks the lock, pulls when behind, prints a summary for the\n"
             "  assistant. Offline with a cached folder it warns and exits 0; without one it\n"
             "  explains what to configure and exits 1.\n"
             "  guard: reads a PreToolUse event on stdin; exits 2 (block) when the tool would\n"
             "  edit a file inside the docs folder, else 0.\n"
             "  install: merges both hooks into .claude/settings.json, keeping every other key\n"
             "  and hook; uninstall removes only aitk's entries. --dry-run shows the result.\n"},
    {"lock", "usage: aitk lock acquire [--reason TEXT] [--ttl SECONDS] [--as NAME]\n"
             "       aitk lock extend [--minutes N]\n       aitk lock release\n"
             "  The token is kept in .aitk-lock in the project folder (mode 0600). Acquiring\n"
             "  again while holding the lock renews it.\n"},
    {"push", "usage: aitk push FILE [--name FILENAME] [--force]\n"
             "  Uploads FILE as the doc FILENAME (default: its path inside the docs folder).\n"
             "  Refuses when the doc changed on the server since your last pull, unless\n"
             "  --force. Sends the lock token when this machine holds the lock.\n"},
    {"history", "usage: aitk history FILE\n  Lists the doc's versions, newest first (FILE: a path in the docs folder or a fileName).\n"},
    {"watch", "usage: aitk watch [--since SEQ] [--count N]\n"
              "  Prints 'seq type payload' for each event as it happens; after a dropped\n"
              "  connection it reconnects with backoff and resumes after the last seq seen.\n"},
};

}  // namespace

int main(int argc, char** argv) {
  auto config = aitk::LoadConfig(argc, argv);
  if (!config) {
    std::cerr << "aitk: " << config.error().message() << "\n";
    return aitk::kExitUsage;
  }
  if (config->Has("--version")) {
    std::cout << "aitk " << libsync::kVersion << "\n";
    return aitk::kExitOk;
  }
  if (config->words.empty()) {
    (config->help ? std::cout : std::cerr) << kUsage;
    return config->help ? aitk::kExitOk : aitk::kExitUsage;
  }
  const std::string& command = config->words[0];
  if (config->help) {
    auto it = kCommandHelp.find(command);
    std::cout << (it == kCommandHelp.end() ? kUsage : it->second);
    return aitk::kExitOk;
  }
  if (command == "status") return aitk::RunStatus(*config);
  if (command == "pull") return aitk::RunPull(*config);
  if (command == "lock") return aitk::RunLock(*config);
  if (command == "push") return aitk::RunPush(*config);
  if (command == "history") return aitk::RunHistory(*config);
  if (command == "watch") return aitk::RunWatch(*config);
  if (command == "hook" && config->words.size() == 2 && config->words[1] == "session-start") {
    return aitk::RunSessionStartHook(*config);
  }
  if (command == "hook" && config->words.size() == 2 && config->words[1] == "guard") return aitk::RunGuardHook(*config);
  if (command == "hook" && config->words.size() >= 2 && (config->words[1] == "install" || config->words[1] == "uninstall")) {
    return aitk::RunHookInstall(*config, config->words[1] == "install");
  }
  if (command == "doctor") return aitk::RunDoctor(*config);
  std::cerr << "aitk: unknown command '" << command << "'\n\n" << kUsage;
  return aitk::kExitUsage;
}
