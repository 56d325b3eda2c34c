#include "migrate_command.hpp"

#include <iomanip>
#include <iostream>

#include "command_options.hpp"
#include "data_dir.hpp"
#include "libsync/sql/migrations.hpp"

namespace aitk_server {
namespace {

int Failed(const libsync::Status& status) {
  std::cerr << "aitk-server migrate: " << status.message() << "\n";
  return 1;
}

int PrintStatus(const std::string& url) {
  auto states = libsync::sql::ReadMigrationStates(url);
  if (!states) return Failed(states.error());
  int pending = 0;
  for (const auto& state : *states) {
    std::cout << std::setw(3) << state.version << "  " << std::left << std::setw(26) << state.name << std::right
              << (state.applied_at.empty() ? "pending" : "applied " + state.applied_at) << "\n";
    pending += state.applied_at.empty() ? 1 : 0;
  }
  std::cout << (pending == 0 ? "up to date\n" : std::to_string(pending) + " pending: run aitk-server migrate\n");
  return 0;
}

int PrintSql(const std::string& url) {
  auto script = libsync::sql::PendingMigrationSql(url);
  if (!script) return Failed(script.error());
  std::cout << (script->empty() ? "-- nothing pending: the database is up to date\n" : *script);
  return 0;
}

int Apply(const CommandOptions& options) {
  // The default SQLite database lives in the data directory, which the server would create
  // the same way (private to its user).
  if (options.database.empty()) {
    if (libsync::Status s = PreparePrivateDataDir(options.data_dir); !s.ok()) return Failed(s);
  }
  auto applied = libsync::sql::ApplyMigrations(options.database_url());
  if (!applied) return Failed(applied.error());
  if (applied->empty()) std::cout << "nothing to migrate: the database is up to date\n";
  for (int version : *applied) std::cout << "applied migration " << version << "\n";
  return 0;
}

}  // namespace

int RunMigrate(int argc, char** argv) {
  auto options = ParseCommandOptions(argc, argv, {"--status", "--sql"});
  if (!options) {
    std::cerr << "aitk-server migrate: " << options.error().message() << "\n";
    return 2;
  }
  if (!options->operands.empty() || options->switches.size() > 1) {
    std::cerr << "usage: aitk-server migrate [--status | --sql] [--data-dir DIR] [--database URL]\n";
    return 2;
  }
  if (options->switches.contains("--status")) return PrintStatus(options->database_url());
  if (options->switches.contains("--sql")) return PrintSql(options->database_url());
  return Apply(*options);
}

}  // namespace aitk_server
