// Git sync cost against `git clone` of the same repository, in one run.
// A bare repository with N markdown files of ~4 KB and 200 commits of history is made
// with git fast-import; then, timed:
//   git clone --depth 1 file://…      (baseline: what a workstation would do)
//   git clone file://…                (baseline: full history)
//   first import into a SQLite store  (fetch + read every blob + one transaction)
//   re-import after a one-file remote change
//   export of one locally changed doc (fetch, check, one commit, push)
// Usage: git_sync_bench [files ...]   (default: 1000 10000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "../adapters/sql/temp_dir.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"

namespace libsync {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
}

double Time(const std::string& command) {
  const auto start = Clock::now();
  Run(command);
  return Seconds(start);
}

std::string FileName(int i) {
  char name[64];
  std::snprintf(name, sizeof name, "docs/section-%02d/file-%05d.md", i % 20, i);
  return name;
}

std::string Content(int i, int revision) {
  std::string text = "# Document " + std::to_string(i) + " revision " + std::to_string(revision) + "\n\n";
  while (text.size() < 4000) {
    text += "Line " + std::to_string(text.size()) + " of a context document that an assistant reads.\n";
  }
  return text;
}

void AppendBlob(std::string& stream, const std::string& path, const std::string& content) {
  stream += "M 100644 inline " + path + "\ndata " + std::to_string(content.size()) + "\n" + content + "\n";
}

void AppendCommit(std::string& stream, int n, const std::string& message) {
  stream += "commit refs/heads/main\ncommitter Bench <bench@example.com> " + std::to_string(1700000000 + n) +
            " +0000\ndata " + std::to_string(message.size()) + "\n" + message + "\n";
}

/// Writes `stream` to a file and feeds it to git fast-import in `bare`.
void FastImport(const std::string& bare, const std::string& stream, const std::string& scratch) {
  const std::string file = scratch + "/stream";
  FILE* f = std::fopen(file.c_str(), "wb");
  std::fwrite(stream.data(), 1, stream.size(), f);
  std::fclose(f);
  Run("git -C " + bare + " fast-import --quiet < " + file);
}

void Bench(int files) {
  testing::TempDir dir;
  const std::string bare = dir.path() + "/remote.git";
  Run("git init -q --bare -b main " + bare);
  std::string stream;
  AppendCommit(stream, 0, "initial docs");
  for (int i = 0; i < files; ++i) AppendBlob(stream, FileName(i), Content(i, 0));
  for (int c = 1; c < 200; ++c) {  // history: 199 more commits touching 5 files each
    AppendCommit(stream, c, "edit " + std::to_string(c));
    for (int k = 0; k < 5; ++k) {
      const int i = (c * 7 + k * 131) % files;
      AppendBlob(stream, FileName(i), Content(i, c));
    }
  }
  FastImport(bare, stream, dir.path());

  const std::string url = "file://" + bare;
  const double shallow = Time("git clone -q --depth 1 " + url + " " + dir.path() + "/shallow");
  const double full = Time("git clone -q " + url + " " + dir.path() + "/full");

  auto store = sql::OpenSqlStore({.url = "sqlite://" + dir.path() + "/libsync.db"}).value();
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync(*store, SystemClock(), SystemRandom(), *box, NullEventSink());
  auto remote = git::MakeGit2Remote({.cache_dir = dir.path() + "/cache"}).value();
  GitSyncService git_sync(sync.context(), *remote, {.allow_local_remotes = true});
  const Caller admin = Caller::Admin();
  const std::string project = sync.projects().Create(admin, {.name = "bench", .repo_url = url})->id;

  auto start = Clock::now();
  auto first = git_sync.Import(admin, project, {});
  const double first_import = Seconds(start);
  if (!first || first->imported.size() != static_cast<std::size_t>(files)) {
    std::fprintf(stderr, "first import failed\n");
    std::exit(1);
  }

  std::string change;
  AppendCommit(change, 1000, "one more edit");
  change = "commit refs/heads/main\n" + change.substr(std::string("commit refs/heads/main\n").size()) +
           "from refs/heads/main^0\n";
  AppendBlob(change, FileName(3), Content(3, 999));
  FastImport(bare, change, dir.path());
  start = Clock::now();
  auto again = git_sync.Import(admin, project, {});
  const double reimport = Seconds(start);
  if (!again || again->updated.size() != 1) {
    std::fprintf(stderr, "re-import did not see exactly one change\n");
    std::exit(1);
  }

  const std::string name = FileName(5).substr(5);  // relative to docsPath "docs"
  (void)sync.docs().Put(admin, project, name, Content(5, 12345));
  start = Clock::now();
  auto exported = git_sync.Export(admin, project, {});
  const double export_one = Seconds(start);
  if (!exported || exported->pushed.size() != 1) {
    std::fprintf(stderr, "export failed\n");
    std::exit(1);
  }

  std::printf("| %6d | %7.3f s | %7.3f s | %7.3f s (%.2fx shallow, %.2fx full) | %7.3f s (%4.1f%% of first) | %7.3f s |\n",
              files, shallow, full, first_import, first_import / shallow, first_import / full, reimport,
              100.0 * reimport / first_import, export_one);
  std::fflush(stdout);
}

}  // namespace
}  // namespace libsync

int main(int argc, char** argv) {
  std::printf("| files | git clone --depth 1 | git clone | first import | re-import, 1 file changed | export 1 doc |\n");
  std::printf("|---|---|---|---|---|---|\n");
  if (argc < 2) {
    libsync::Bench(1000);
    libsync::Bench(10000);
  }
  for (int i = 1; i < argc; ++i) libsync::Bench(std::atoi(argv[i]));
  return 0;
}
