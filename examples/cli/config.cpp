#include "config.hpp"

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "files.hpp"
#include "libsync/validation.hpp"

namespace aitk {
namespace {

using libsync::Result;
using libsync::Status;

// Flags shared by every command, and the options some commands take. Every one of them
// takes a value; --help and --force are the switches.
const std::set<std::string> kGlobalFlags = {"--url", "--key", "--project", "--project-dir", "--dir",
                                            "--timeout", "--retries", "--emit"};
const std::set<std::string> kCommandOptions = {"--reason", "--ttl", "--minutes", "--as", "--since", "--name", "--count"};
const std::set<std::string> kSwitches = {"--force", "--quiet", "--dry-run", "--json", "--version"};

std::string Trim(std::string s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseEnvFile(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export ")) line = Trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = Trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out.emplace_back(Trim(line.substr(0, eq)), value);
  }
  return out;
}

std::string Config::Option(const std::string& name, const std::string& fallback) const {
  for (const auto& [k, v] : options) {
    if (k == name) return v;
  }
  return fallback;
}

bool Config::Has(const std::string& name) const {
  for (const auto& [k, v] : options) {
    if (k == name) return true;
  }
  return false;
}

Result<Config> LoadConfig(int argc, char** argv) {
  Config config;
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      config.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      config.words.push_back(arg);
      continue;
    }
    std::string value;
    const auto eq = arg.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    if (kSwitches.count(arg)) {
      config.options.emplace_back(arg, "true");
      continue;
    }
    if (!kGlobalFlags.count(arg) && !kCommandOptions.count(arg)) {
      return Status::InvalidArgument("unknown option " + arg + " (see aitk --help)");
    }
    if (!inline_value) {
      if (i + 1 >= argc) return Status::InvalidArgument(arg + " needs a value");
      value = argv[++i];
    }
    if (kGlobalFlags.count(arg)) {
      flags[arg] = value;
    } else {
      config.options.emplace_back(arg, value);
    }
  }

  config.project_dir = flags.count("--project-dir") ? flags["--project-dir"]
                       : !Env("CLAUDE_PROJECT_DIR").empty() ? Env("CLAUDE_PROJECT_DIR")
                                                             : std::filesystem::current_path().string();
  std::map<std::string, std::string> file;
  if (auto text = ReadFile(config.project_dir / ".env.ai-toolkit")) {
    for (auto& [k, v] : ParseEnvFile(*text)) file[k] = v;
  }
  auto pick = [&](const char* flag, const char* env) {
    if (flags.count(flag)) return flags[flag];
    if (!Env(env).empty()) return Env(env);
    return file.count(env) ? file[env] : std::string();
  };
  config.url = pick("--url", "AI_TOOLKIT_PLATFORM_URL");
  config.api_key = pick("--key", "AI_TOOLKIT_API_KEY");
  config.project_id = pick("--project", "AI_TOOLKIT_PROJECT_ID");
  // No flag: a CA is a property of the team's platform, set once in .env.ai-toolkit.
  config.ca_file = !Env("AI_TOOLKIT_CA_FILE").empty() ? Env("AI_TOOLKIT_CA_FILE")
                   : file.count("AI_TOOLKIT_CA_FILE") ? file["AI_TOOLKIT_CA_FILE"]
                                                      : std::string();
  // A relative path in .env.ai-toolkit means one next to it.
  if (!config.ca_file.empty() && Env("AI_TOOLKIT_CA_FILE").empty() && std::filesystem::path(config.ca_file).is_relative()) {
    config.ca_file = (config.project_dir / config.ca_file).string();
  }
  // Any spelling of a place (`./ai-docs`, `ai//docs/`, an absolute path): DocsFolderProblem
  // says, before a pull, whether a pull may replace it.
  const std::string docs = pick("--dir", "AI_TOOLKIT_DOCS_DIR");
  std::filesystem::path dir = (config.project_dir / (docs.empty() ? ".docs" : docs)).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // a trailing '/'
  config.docs_dir = dir;
  config.emit = pick("--emit", "AI_TOOLKIT_EMIT");
  config.user = Env("USER").empty() ? "aitk" : Env("USER");
  try {
    if (const std::string t = pick("--timeout", "AI_TOOLKIT_TIMEOUT"); !t.empty()) {
      const double seconds = std::stod(t);
      if (seconds <= 0 || seconds > 600) throw std::out_of_range("timeout");
      config.timeout = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    }
    if (flags.count("--retries")) {
      config.retries = std::stoi(flags["--retries"]);
      if (config.retries < 0 || config.retries > 10) throw std::out_of_range("retries");
    }
  } catch (const std::exception&) {
    return Status::InvalidArgument("--timeout takes seconds in (0, 600], --retries 0..10");
  }
  return config;
}

Status DocsFolderProblem(const Config& config) {
  // A pull replaces the docs folder whole: it is a folder of the project's own, never the
  // project folder, a place outside it or in git's folder (DocsFolder::CheckReplaceable
  // also refuses to replace one it did not pull).
  std::error_code ec;
  const auto project = std::filesystem::absolute(config.project_dir, ec).lexically_normal();
  const auto docs = std::filesystem::absolute(config.docs_dir, ec).lexically_normal();
  const std::string relative = docs.lexically_relative(project).generic_string();
  Status inside = relative.empty() || relative == "." ? Status::InvalidArgument("names the project folder itself")
                  : relative == ".." || relative.starts_with("../")
                      ? Status::InvalidArgument("is outside the project folder " + project.string())
                      : libsync::ValidateDocsPath(relative, "its path in the project");
  if (inside.ok()) return inside;
  return Status::InvalidArgument("the docs folder " + config.docs_dir.string() + " (AI_TOOLKIT_DOCS_DIR, --dir) " +
                                 inside.message() + "; it must be a folder inside the project folder, such as "
                                 ".docs or ai/docs, outside git's folder");
}

Status RequireConnection(const Config& config) {
  std::string missing;
  if (config.url.empty()) missing += " AI_TOOLKIT_PLATFORM_URL (--url)";
  if (config.api_key.empty()) missing += " AI_TOOLKIT_API_KEY (--key)";
  if (config.project_id.empty()) missing += " AI_TOOLKIT_PROJECT_ID (--project)";
  if (missing.empty()) {
    // A value pasted with a newline or space would make a malformed header; say so here.
    for (const std::string* value : {&config.api_key, &config.project_id}) {
      for (unsigned char c : *value) {
        if (c <= 0x20 || c == 0x7f) {
          return Status::InvalidArgument("AI_TOOLKIT_API_KEY and AI_TOOLKIT_PROJECT_ID must not contain spaces, "
                                         "newlines or control characters");
        }
      }
    }
    return Status::Ok();
  }
  return Status::InvalidArgument("not configured:" + missing +
                                 ". Set them in the environment or in " +
                                 (config.project_dir / ".env.ai-toolkit").string() +
                                 " (KEY=value lines; see docs/hooks.md)");
}

}  // namespace aitk
