#include "doctor.hpp"

#include <unistd.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "claude_settings.hpp"
#include "commands.hpp"
#include "docs_folder.hpp"
#include "emit_targets.hpp"
#include "files.hpp"
#include "generated_file.hpp"
#include "hook_install.hpp"
#include "marked_region.hpp"
#include "platform_client.hpp"

namespace aitk {
namespace {

namespace fs = std::filesystem;
using libsync::ErrorCode;

class Checklist {
 public:
  void Ok(const std::string& what, const std::string& detail) { Print("ok  ", what, detail, ""); }
  void Warn(const std::string& what, const std::string& detail, const std::string& fix) {
    Print("WARN", what, detail, fix);
  }
  void Fail(const std::string& what, const std::string& detail, const std::string& fix) {
    failed_ = true;
    Print("FAIL", what, detail, fix);
  }
  bool failed() const { return failed_; }

 private:
  void Print(const char* mark, const std::string& what, const std::string& detail, const std::string& fix) {
    std::cout << mark << "  " << what << ": " << detail << "\n";
    if (!fix.empty()) std::cout << "      fix: " << fix << "\n";
  }
  bool failed_ = false;
};

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

bool IsLoopback(const std::string& url) {
  for (const char* host : {"http://127.", "http://localhost", "http://[::1]"}) {
    if (url.starts_with(host)) return true;
  }
  return false;
}

// Reachability, key and project, in one request; then the key's scope. True when the
// platform answered, so the later checks can use it.
bool CheckPlatform(const Config& config, Checklist& list) {
  PlatformClient client(config);
  if (libsync::Status s = client.Check(); !s.ok()) {
    list.Fail("platform URL", s.message(), "set AI_TOOLKIT_PLATFORM_URL to the platform's address");
    return false;
  }
  auto lock = client.LockStatus();
  if (!lock) {
    const ErrorCode code = lock.error().code();
    const std::string fix = code == ErrorCode::kUnavailable ? "check that the platform runs and " + config.url +
                                                                  " is reachable from here (proxy, firewall, VPN)"
                            : code == ErrorCode::kUnauthenticated ? "ask the lead for a new API key (this one is "
                                                                    "wrong or revoked)"
                            : code == ErrorCode::kNotFound ? "check AI_TOOLKIT_PROJECT_ID: the key belongs to "
                                                             "another project, or the project was deleted"
                                                           : "see the message; aitk status shows the same answer";
    list.Fail("platform", lock.error().message(), fix);
    return false;
  }
  list.Ok("platform", "reachable at " + config.url + "; key and project accepted");
  // The scope, as the server tells it (GET /api/session): a read-only request.
  auto scope = client.KeyScope();
  if (scope && *scope == "write") {
    list.Ok("key scope", "write (pull, hooks, lock and push)");
  } else if (scope && *scope == "read") {
    list.Ok("key scope", "read (enough for pull and the hooks; lock and push need a write key)");
  } else if (scope && *scope == "admin") {
    list.Warn("key scope", "this is the admin token", "give workstations a project key, never the admin token");
  } else {
    list.Warn("key scope", "could not tell: " + (scope ? "role " + *scope : scope.error().message()),
              "run aitk doctor again");
  }
  return true;
}

void CheckTransport(const Config& config, Checklist& list) {
  // From the environment or .env.ai-toolkit, as the HTTP client reads it.
  if (const std::string& ca = config.ca_file; !ca.empty()) {
    if (::access(ca.c_str(), R_OK) != 0) {
      list.Fail("TLS", "AI_TOOLKIT_CA_FILE " + ca + " cannot be read", "point it at a PEM file");
    } else {
      list.Ok("TLS", "trusting the CA file " + ca);
    }
  }
  if (config.url.starts_with("http://") && !IsLoopback(config.url)) {
    list.Warn("TLS", "the API key crosses the network unencrypted (" + config.url + ")",
              "use an https:// URL, or a TLS-terminating proxy on loopback");
  } else if (config.url.starts_with("https://")) {
    list.Ok("TLS", "https");
  }
}

void CheckDocs(const Config& config, Checklist& list, bool platform_ok) {
  const DocsFolder folder(config.docs_dir);
  const std::string local = folder.SyncedHash();
  if (local.empty()) {
    list.Warn("docs", "nothing pulled into " + folder.dir().string() + " yet", "aitk pull");
    return;
  }
  if (!platform_ok) {
    list.Ok("docs", std::to_string(folder.DocCount()) + " docs cached in " + folder.dir().string());
    return;
  }
  auto server = PlatformClient(config).DocsHash();
  if (server && *server != local) {
    list.Warn("docs", "behind the platform", "aitk pull");
  } else {
    list.Ok("docs", std::to_string(folder.DocCount()) + " docs in " + folder.dir().string() + ", current");
  }
}

void CheckHooks(const Config& config, Checklist& list) {
  const fs::path path = config.project_dir / kClaudeSettingsFile;
  const auto text = ReadFile(path);
  ClaudeHooksPresent present;
  if (text) {
    boost::system::error_code ec;
    const boost::json::value settings = boost::json::parse(*text, ec);
    if (ec || !settings.is_object()) {
      list.Fail("hooks", path.string() + " is not valid JSON; Claude Code ignores it", "fix the file by hand");
      return;
    }
    present = FindClaudeHooks(settings.as_object());
  }
  if (present.session_start && present.guard) {
    list.Ok("hooks", "SessionStart and PreToolUse hooks in " + std::string(kClaudeSettingsFile));
  } else {
    list.Warn("hooks", std::string(present.session_start || present.guard ? "only some" : "none") +
                           " of aitk's hooks in " + kClaudeSettingsFile,
              "aitk hook install");
  }
  if (!OnPath("aitk")) list.Warn("hooks", "the hooks run `aitk`, which is not on PATH", "put aitk on the PATH");
}

// A region file should hold aitk's region; a generated folder's files should be as aitk
// wrote them.
void CheckEmit(const Config& config, Checklist& list) {
  auto targets = ParseEmitTargets(config.emit);
  if (!targets) return list.Fail("emit", targets.error().message(), "fix AI_TOOLKIT_EMIT");
  if (targets->empty()) return list.Ok("emit", "no targets (set AI_TOOLKIT_EMIT to write other assistants' files)");
  for (EmitTarget target : *targets) {
    const std::string name(EmitTargetName(target));
    std::vector<std::string> regions, dirs;
    switch (target) {
      case EmitTarget::kClaude: regions = {"CLAUDE.md"}; break;
      case EmitTarget::kAgents: regions = {"AGENTS.md"}; break;
      case EmitTarget::kGemini: regions = {"GEMINI.md"}; break;
      case EmitTarget::kCopilot: regions = {".github/copilot-instructions.md"}, dirs = {".github/instructions"}; break;
      case EmitTarget::kCursor: dirs = {".cursor/rules"}; break;
      case EmitTarget::kWindsurf: dirs = {".windsurf/rules"}; break;
    }
    std::string problems;
    for (const std::string& file : regions) {
      const auto text = ReadFile(config.project_dir / file);
      if (!text || text->find(kRegionBeginPrefix) == std::string::npos) problems += file + " has no aitk region; ";
    }
    int generated = 0;
    for (const std::string& dir : dirs) {
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(config.project_dir / dir, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file() || it->is_symlink()) continue;
        const auto text = ReadFile(it->path());
        const GeneratedState state = text ? InspectGenerated(*text) : GeneratedState::kNotOurs;
        if (state != GeneratedState::kNotOurs) ++generated;
        if (state == GeneratedState::kHandEdited) {
          problems += it->path().lexically_relative(config.project_dir).string() + " was edited by hand; ";
        }
      }
    }
    if (problems.empty()) {
      list.Ok("emit " + name, dirs.empty() ? "region in place" : std::to_string(generated) + " generated files");
    } else {
      list.Warn("emit " + name, problems.substr(0, problems.size() - 2),
                "aitk pull --force (hand-edited files are kept: delete them to get them back)");
    }
  }
}

}  // namespace

int RunDoctor(const Config& config) {
  Checklist list;
  bool platform_ok = false;
  if (libsync::Status s = RequireConnection(config); !s.ok()) {
    list.Fail("settings", s.message(), "add the missing values to .env.ai-toolkit (see docs/hooks.md)");
  } else {
    list.Ok("settings", "URL, key and project id set");
    CheckTransport(config, list);
    platform_ok = CheckPlatform(config, list);
  }
  CheckDocs(config, list, platform_ok);
  CheckHooks(config, list);
  CheckEmit(config, list);
  return list.failed() ? kExitFailed : kExitOk;
}

}  // namespace aitk
