#pragma once
// What aitk-server's commands (migrate, backup, restore) share with the server: where the
// data directory is and which database to use, from flags or the environment.

#include <set>
#include <string>
#include <vector>

#include "libsync/result.hpp"

namespace aitk_server {

/// The database a server or command uses: `database` (--database, or AITK_DATABASE) when
/// set, else the SQLite file DIR/libsync.db.
std::string DatabaseUrl(const std::string& database, const std::string& data_dir);

/// The database named by the environment: AITK_DATABASE, else DATABASE_URL (the original
/// platform's name, so its .env keeps working); empty when neither is set.
std::string DatabaseFromEnvironment();

struct CommandOptions {
  std::string data_dir = "./data";
  std::string database;  ///< empty: DatabaseFromEnvironment(), else SQLite in data_dir
  std::set<std::string> switches;    ///< those given, of the command's allowed ones
  std::vector<std::string> operands;  ///< words that are not options (FILE)

  std::string database_url() const { return DatabaseUrl(database, data_dir); }
};

/// Reads a command's arguments (after the command's name): --data-dir DIR and --database
/// URL (also as --flag=value; defaults from AITK_DATA_DIR, AITK_DATABASE, DATABASE_URL),
/// the switches in `allowed`, and operands. Expected errors: kInvalidArgument (an unknown
/// option, a flag without its value), with the text to print.
libsync::Result<CommandOptions> ParseCommandOptions(int argc, char** argv, const std::set<std::string>& allowed);

}  // namespace aitk_server
