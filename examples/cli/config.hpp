#pragma once
// Where aitk's settings come from, strongest first: command-line flags, the environment
// (the original hook scripts' AI_TOOLKIT_* names), then a `.env.ai-toolkit` file in the
// project folder. The project folder is --project-dir, else $CLAUDE_PROJECT_DIR (set by
// Claude Code for hooks), else the current directory.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "libsync/result.hpp"

namespace aitk {

struct Config {
  std::string url;         // AI_TOOLKIT_PLATFORM_URL
  std::string api_key;     // AI_TOOLKIT_API_KEY
  std::string project_id;  // AI_TOOLKIT_PROJECT_ID
  std::string ca_file;     // AI_TOOLKIT_CA_FILE: a team's CA for https://, beside the system's
  std::filesystem::path project_dir;
  std::filesystem::path docs_dir;  // --dir, relative to project_dir (normalized); default .docs
  std::chrono::milliseconds timeout{10000};
  int retries = 2;
  std::string emit;  // --emit / AI_TOOLKIT_EMIT: the assistants to write the docs for
  std::string user;  // lockedBy for lock acquire: --as, else $USER
  bool help = false;

  std::vector<std::string> words;  // the command and its arguments, flags removed
  std::vector<std::pair<std::string, std::string>> options;  // command options (--reason ...)

  /// A command option's value, or `fallback`.
  std::string Option(const std::string& name, const std::string& fallback = {}) const;
  bool Has(const std::string& name) const;
};

/// Reads flags, environment and the `.env.ai-toolkit` file. Fails (InvalidArgument) on an
/// unknown flag or a flag without its value.
libsync::Result<Config> LoadConfig(int argc, char** argv);

/// InvalidArgument naming what is missing (URL, key or project id) and where to set it.
libsync::Status RequireConnection(const Config& config);

/// Why a pull may not replace the configured docs folder: it is the project folder, lies
/// outside it or in git's folder. Ok otherwise.
libsync::Status DocsFolderProblem(const Config& config);

/// KEY=VALUE lines; '#' comments, blank lines, `export ` prefixes and quotes allowed.
std::vector<std::pair<std::string, std::string>> ParseEnvFile(const std::string& text);

}  // namespace aitk
