#include "backup_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "command_options.hpp"
#include "data_dir.hpp"
#include "libsync/sql/sqlite_backup.hpp"
#include "server_snapshots.hpp"
#include "snapshot_request.hpp"

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

namespace fs = std::filesystem;

// The token the server reads: AITK_ADMIN_TOKEN, else the one it generated into the data
// directory.
libsync::Result<std::string> AdminToken(const std::string& data_dir) {
  if (const char* env = std::getenv("AITK_ADMIN_TOKEN"); env && *env) return std::string(env);
  const std::string path = data_dir + "/admin-token";
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) {
    return libsync::Status::Unauthenticated("no admin token: set AITK_ADMIN_TOKEN as the server has it, or run as "
                                            "the server's user, who can read " + path);
  }
  return token;
}

libsync::Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return libsync::Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? libsync::Status::Ok() : libsync::Status::Unavailable("cannot flush " + path + " to the disk");
}

// Moves the server's snapshot to `file`: a rename on one file system; otherwise a copy
// beside `file`, flushed, renamed into place, and the original removed. Either way `file`
// appears complete or not at all, mode 0600.
libsync::Status MoveSnapshot(const std::string& from, const std::string& file) {
  std::error_code ec;
  fs::rename(from, file, ec);
  if (ec == std::errc::cross_device_link) {
    const std::string scratch = file + ".partial-" + std::to_string(::getpid());
    fs::copy_file(from, scratch, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::permissions(scratch, fs::perms::owner_read | fs::perms::owner_write, ec);
    libsync::Status synced = ec ? libsync::Status::Unavailable("cannot copy the snapshot to " + scratch + ": " +
                                                               ec.message())
                                : SyncPath(scratch, O_RDONLY);
    if (synced.ok()) {
      fs::rename(scratch, file, ec);
      if (ec) synced = libsync::Status::Unavailable("cannot write " + file + ": " + ec.message());
    }
    if (!synced.ok()) {
      fs::remove(scratch, ec);
      return synced;  // the server removes its copy in time
    }
    fs::remove(from, ec);
    return libsync::Status::Ok();
  }
  if (ec) return libsync::Status::Unavailable("cannot move the snapshot " + from + " to " + file + ": " + ec.message());
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
  return libsync::Status::Ok();
}

// A server holding the database alone is the only process that can read it: it writes
// the snapshot into DIR/backups/, and this moves it to `file`.
libsync::Status BackupThroughServer(const ServerAddress& server, const CommandOptions& options,
                                    const std::string& file, std::uint64_t& bytes) {
  LIBSYNC_ASSIGN_OR_RETURN(std::string token, AdminToken(options.data_dir));
  LIBSYNC_ASSIGN_OR_RETURN(libsync::web::StoreSnapshot snapshot, RequestSnapshot(server, token));
  if (!IsSnapshotName(snapshot.name)) {
    return libsync::Status::Unavailable("the server answered an unexpected snapshot name '" + snapshot.name + "'");
  }
  bytes = snapshot.bytes;
  return MoveSnapshot(options.data_dir + "/backups/" + snapshot.name, file);
}

// Whether two "sqlite://" URLs name one file, however each spells its path (relative to
// the server's working directory or this one's, through links).
bool SameSqliteFile(const std::string& a, const std::string& b) {
  constexpr std::string_view kScheme = "sqlite://";
  if (a.rfind(kScheme, 0) != 0 || b.rfind(kScheme, 0) != 0) return false;
  std::error_code ec;
  return fs::equivalent(a.substr(kScheme.size()), b.substr(kScheme.size()), ec) && !ec;
}

}  // namespace

int RunBackup(int argc, char** argv) {
  auto options = OneFile("backup", argc, argv);
  if (!options) return Report("backup", options.error(), 2);
  const std::string& file = options->operands.front();
  auto server = ReadServerAddress(options->data_dir);
  if (!server) return Report("backup", server.error(), 1);
  std::uint64_t bytes = 0;
  if (*server && SameSqliteFile((*server)->database, options->database_url())) {
    const libsync::Status done = BackupThroughServer(**server, *options, file, bytes);
    if (!done.ok()) return Report("backup", done, 1);
    std::cout << "wrote a snapshot of " << options->database_url() << " to " << file << " (" << bytes
              << " bytes), taken by the server at " << (*server)->url << "\n";
    return 0;
  }
  // No server holds the database alone: it is read here (a stopped server, or one started
  // with --sqlite-shared).
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
