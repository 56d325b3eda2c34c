#include "backup_command.hpp"

#include <filesystem>
#include <iostream>

#include "command_options.hpp"
#include "data_dir.hpp"
#include "libsync/sql/sqlite_backup.hpp"

namespace aitk_server {
namespace {

libsync::Result<CommandOptions> OneFile(const char* command, int argc, char** argv) {
  auto options = ParseCommandOptions(argc, argv, {});
  if (options && options->operands.size() != 1) {
    return libsync::Status::InvalidArgument(std::string("usage: aitk-server ") + command +
                                            " FILE [--data-dir DIR] [--database sqlite://PATH]");
  }
  return options;
}

int Report(const char* command, const libsync::Status& status, int code) {
  std::cerr << "aitk-server " << command << ": " << status.message() << "\n";
  return code;
}

}  // namespace

int RunBackup(int argc, char** argv) {
  auto options = OneFile("backup", argc, argv);
  if (!options) return Report("backup", options.error(), 2);
  const std::string& file = options->operands.front();
  const libsync::Status done = libsync::sql::BackupSqlite(options->database_url(), file);
  if (!done.ok()) return Report("backup", done, 1);
  std::error_code ec;
  std::cout << "wrote a snapshot of " << options->database_url() << " to " << file << " ("
            << std::filesystem::file_size(file, ec) << " bytes)\n";
  return 0;
}

int RunRestore(int argc, char** argv) {
  auto options = OneFile("restore", argc, argv);
  if (!options) return Report("restore", options.error(), 2);
  // The data directory's lock says whether a server runs there: a server keeps its
  // connections (and, in WAL mode, its view of the file) open, and would go on writing
  // into the database this replaces.
  if (!std::filesystem::is_directory(options->data_dir)) {
    return Report("restore", libsync::Status::InvalidArgument("no data directory " + options->data_dir), 1);
  }
  if (libsync::Status alone = TakeDataDirAlone(options->data_dir); !alone.ok()) return Report("restore", alone, 1);
  const std::string& file = options->operands.front();
  const libsync::Status done = libsync::sql::RestoreSqlite(file, options->database_url());
  if (!done.ok()) return Report("restore", done, 1);
  std::cout << "restored " << file << " into " << options->database_url()
            << "; the database it replaced is kept beside it with the suffix .before-restore\n";
  return 0;
}

}  // namespace aitk_server
