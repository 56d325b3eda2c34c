#include "command_options.hpp"

#include <cstdlib>
#include <filesystem>

namespace aitk_server {

std::string DatabaseUrl(const std::string& database, const std::string& data_dir) {
  if (!database.empty()) return database;
  return "sqlite://" + std::filesystem::absolute(data_dir).string() + "/libsync.db";
}

std::string DatabaseFromEnvironment() {
  for (const char* name : {"AITK_DATABASE", "DATABASE_URL"}) {
    if (const char* v = std::getenv(name); v && *v) return v;
  }
  return {};
}

libsync::Result<CommandOptions> ParseCommandOptions(int argc, char** argv, const std::set<std::string>& allowed) {
  CommandOptions options;
  if (const char* v = std::getenv("AITK_DATA_DIR"); v && *v) options.data_dir = v;
  options.database = DatabaseFromEnvironment();
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (allowed.contains(arg)) {
      options.switches.insert(arg);
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      options.operands.push_back(arg);
      continue;
    }
    std::string flag = arg, value;
    const auto eq = arg.find('=');
    if (eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (flag != "--data-dir" && flag != "--database") {
      return libsync::Status::InvalidArgument("unknown option '" + arg + "' (see aitk-server --help)");
    }
    if (eq == std::string::npos) {
      if (i + 1 >= argc) return libsync::Status::InvalidArgument(flag + " needs a value");
      value = argv[++i];
    }
    (flag == "--data-dir" ? options.data_dir : options.database) = value;
  }
  return options;
}

}  // namespace aitk_server
