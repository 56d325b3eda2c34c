// Git sync cost, each figure beside a baseline measured in the same run (issue 20):
//   1. First import of N markdown files into a SQLite store against `git clone --depth 1`
//      of the same repository (and, to show what the clone's work tree costs, the same
//      clone with --no-checkout). Checked before anything is reported: the clone's work
//      tree holds exactly the N files, byte for byte the texts of the N imported docs.
//      Beside them, what the import's rows alone cost SQLite: the same rows written by
//      hand into a new store's database (import_rows_by_hand.hpp), checked afterwards;
//      and the "Doc" rows alone, without the history rows and events.
//   2. Re-import after a one-file remote change, and export of one locally changed doc;
//      the export at the largest N against the export at the smallest (the cost must
//      follow the change, not the project's size). Each pushed text is checked in the
//      remote with `git show`.
//   3. Push webhook to visible: an aitk-server in process (SQLite, local remotes allowed)
//      with a project of 1,000 docs on a local bare repository and a webhook secret; each
//      round pushes a one-file commit with the git CLI, posts a signed GitHub push event
//      and polls GET /api/hook/docs until the new text is served.
// Each timed figure is the median of `rounds` runs (every run's value goes to stderr); each
// timed step starts after `sync`, so none pays for the previous one's writes.
// Usage: git_sync_bench [rounds] [files ...]   (default: 3 rounds, 1000 and 10000 files)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../adapters/http/test_client.hpp"
#include "../adapters/sql/temp_dir.hpp"
#include "bench_fail.hpp"
#include "import_rows_by_hand.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_sync_scheduler.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/git_webhook_service.hpp"
#include "libsync/hashing.hpp"
#include "libsync/http/server.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"

namespace libsync {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

using bench::Fail;

void Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) Fail(command);
}

// Every timed step starts with the page cache's dirty pages written: what an earlier step
// wrote (a clone's 40 MB work tree, a store's file) is not flushed on the next one's time.
void Settle() { Run("sync"); }

double Time(const std::string& command) {
  Settle();
  const auto start = Clock::now();
  Run(command);
  return Seconds(start);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string List(const std::vector<double>& values, double scale, const char* unit) {
  std::string out;
  for (double v : values) out += (out.empty() ? "" : " ") + std::to_string(v * scale).substr(0, 6) + unit;
  return out;
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void AppendBlob(std::string& stream, const std::string& path, const std::string& content) {
  stream += "M 100644 inline " + path + "\ndata " + std::to_string(content.size()) + "\n" + content + "\n";
}

/// A commit on main; `on_top` continues the branch (the first one starts it).
void AppendCommit(std::string& stream, int n, const std::string& message, bool on_top = false) {
  stream += "commit refs/heads/main\ncommitter Bench <bench@example.com> " + std::to_string(1700000000 + n) +
            " +0000\ndata " + std::to_string(message.size()) + "\n" + message + "\n";
  if (on_top) stream += "from refs/heads/main^0\n";
}

/// Feeds `stream` to git fast-import in `bare`, through a file in `scratch`.
void FastImport(const std::string& bare, const std::string& stream, const std::string& scratch) {
  const std::string file = scratch + "/stream";
  std::ofstream(file, std::ios::binary) << stream;
  Run("git -C " + bare + " fast-import --quiet < " + file);
}

/// A bare repository with `files` docs of ~4 KB and 199 more commits touching 5 files each.
void MakeRepository(const std::string& bare, int files, const std::string& scratch) {
  Run("git init -q --bare -b main " + bare);
  std::string stream;
  AppendCommit(stream, 0, "initial docs");
  for (int i = 0; i < files; ++i) AppendBlob(stream, FileName(i), Content(i, 0));
  for (int c = 1; c < 200; ++c) {
    AppendCommit(stream, c, "edit " + std::to_string(c));
    for (int k = 0; k < 5; ++k) {
      const int i = (c * 7 + k * 131) % files;
      AppendBlob(stream, FileName(i), Content(i, c));
    }
  }
  FastImport(bare, stream, scratch);
}

/// The import's honesty check: the clone's work tree has exactly the imported files under
/// docs/, each with the imported doc's bytes.
void CheckSameFiles(const std::string& work_tree, SyncService& sync, const std::string& project, int files) {
  std::size_t on_disk = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(work_tree + "/docs")) {
    if (entry.is_regular_file()) ++on_disk;
  }
  auto docs = sync.docs().List(Caller::Admin(), project);
  if (!docs) Fail("listing the imported docs: " + docs.error().ToString());
  if (on_disk != static_cast<std::size_t>(files) || docs->size() != on_disk) {
    Fail("the clone has " + std::to_string(on_disk) + " files, the import " + std::to_string(docs->size()) +
         " docs; both should have " + std::to_string(files));
  }
  for (const auto& doc : *docs) {
    if (ReadFile(work_tree + "/docs/" + doc.file_name) != doc.content) {
      Fail("docs/" + doc.file_name + " differs between the clone and the import");
    }
  }
}

/// One project on one store and one git cache: what a server holds for it.
struct Importer {
  explicit Importer(const std::string& dir, const std::string& url)
      : store(sql::OpenSqlStore({.url = "sqlite://" + dir + "/libsync.db"}).value()),
        sync(*store, SystemClock(), SystemRandom(), *box, NullEventSink()),
        remote(git::MakeGit2Remote({.cache_dir = dir + "/cache"}).value()),
        git_sync(sync.context(), *remote, {.allow_local_remotes = true}),
        project(sync.projects().Create(Caller::Admin(), {.name = "bench", .repo_url = url})->id) {}

  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  std::unique_ptr<Store> store;
  SyncService sync;
  std::unique_ptr<GitRemote> remote;
  GitSyncService git_sync;
  std::string project;
};

struct SizeFigures {
  int files = 0;
  double shallow = 0, no_checkout = 0, first_import = 0, by_hand = 0, docs_by_hand = 0, reimport = 0, export_one = 0;
};

/// The files of the repository's first commit as an import names them, in name order (the
/// order an import writes them in), for the rows written by hand. The import takes the
/// branch head, where later commits changed a few hundred of these texts by a few bytes.
std::vector<bench::ImportedFile> FirstCommitFiles(int files) {
  std::vector<bench::ImportedFile> out;
  for (int i = 0; i < files; ++i) {
    std::string text = Content(i, 0);
    out.push_back({FileName(i).substr(5), text, Sha256Hex(text), GitBlobId(text)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file_name < b.file_name; });
  return out;
}

SizeFigures BenchSize(int files, int rounds) {
  testing::TempDir dir;
  const std::string bare = dir.path() + "/remote.git";
  MakeRepository(bare, files, dir.path());
  const std::string url = "file://" + bare;
  const Caller admin = Caller::Admin();

  const std::vector<bench::ImportedFile> first_files = FirstCommitFiles(files);
  std::vector<double> shallow, no_checkout, first, by_hand, docs_by_hand, reimport, export_one;
  for (int round = 0; round < rounds; ++round) {
    const std::string scratch = dir.path() + "/round-" + std::to_string(round);
    std::filesystem::create_directories(scratch);
    shallow.push_back(Time("git clone -q --depth 1 " + url + " " + scratch + "/shallow"));
    no_checkout.push_back(Time("git clone -q --depth 1 --no-checkout " + url + " " + scratch + "/bare-clone"));

    // The same rows by hand, each time into a store's new database, before the import (so
    // no checkpoint of the import's store runs beside them; the store that made the
    // database is closed first).
    const auto rows_by_hand = [&](const std::string& name, bench::ImportRows rows) {
      const std::string floor_dir = scratch + "/" + name;
      std::filesystem::create_directories(floor_dir);
      std::string floor_project;
      {
        Importer empty(floor_dir, url);
        floor_project = empty.project;
      }
      Settle();
      return bench::WriteImportRowsByHand("sqlite://" + floor_dir + "/libsync.db", floor_project, first_files, rows);
    };
    by_hand.push_back(rows_by_hand("by-hand", bench::ImportRows::kAll));
    docs_by_hand.push_back(rows_by_hand("docs-by-hand", bench::ImportRows::kDocsOnly));

    Importer importer(scratch, url);
    Settle();
    auto start = Clock::now();
    auto imported = importer.git_sync.Import(admin, importer.project, {});
    first.push_back(Seconds(start));
    if (!imported) Fail("first import: " + imported.error().ToString());
    if (imported->imported.size() != static_cast<std::size_t>(files)) Fail("first import missed files");
    if (round == 0) CheckSameFiles(scratch + "/shallow", importer.sync, importer.project, files);

    // The remote changes one file; the re-import brings exactly that one.
    const int changed = (3 + round) % files;
    std::string change;
    AppendCommit(change, 1000 + round, "one more edit", /*on_top=*/true);
    AppendBlob(change, FileName(changed), Content(changed, 1000 + round));
    FastImport(bare, change, dir.path());
    Settle();
    start = Clock::now();
    auto again = importer.git_sync.Import(admin, importer.project, {});
    reimport.push_back(Seconds(start));
    if (!again || again->updated.size() != 1) Fail("re-import did not see exactly one change");

    // One doc edited here; the export pushes exactly that one, and the remote has its text.
    const std::string name = FileName(5 + round).substr(5);  // relative to docsPath "docs"
    const std::string text = Content(5 + round, 2000 + round);
    if (!importer.sync.docs().Put(admin, importer.project, name, text)) Fail("doc put");
    Settle();
    start = Clock::now();
    auto exported = importer.git_sync.Export(admin, importer.project, {});
    export_one.push_back(Seconds(start));
    if (!exported || exported->pushed.size() != 1) Fail("export did not push exactly one doc");
    Run("git -C " + bare + " show main:docs/" + name + " > " + scratch + "/pushed");
    if (ReadFile(scratch + "/pushed") != text) Fail("the remote does not have the exported text");
    // Nothing is removed before the last round: creating 10,000 files right after
    // deleting as many costs ext4 several times more (inode reuse checks), and would
    // slow the next round's clone for a reason of the benchmark's own making.
  }
  std::fprintf(stderr,
               "%d files: clone --depth 1 %s; --no-checkout %s; first import %s; its rows by hand %s; its Doc rows "
               "alone %s; re-import %s; export %s\n",
               files, List(shallow, 1, "s").c_str(), List(no_checkout, 1, "s").c_str(), List(first, 1, "s").c_str(),
               List(by_hand, 1, "s").c_str(), List(docs_by_hand, 1, "s").c_str(), List(reimport, 1000, "ms").c_str(),
               List(export_one, 1000, "ms").c_str());
  return {files,           Median(shallow),      Median(no_checkout), Median(first),
          Median(by_hand), Median(docs_by_hand), Median(reimport),    Median(export_one)};
}

/// Webhook to visible through a server in process; returns each round's latency.
std::vector<double> BenchWebhook(int files, int rounds) {
  testing::TempDir dir;
  const std::string bare = dir.path() + "/remote.git";
  const std::string work = dir.path() + "/work";
  MakeRepository(bare, files, dir.path());
  Run("git clone -q " + bare + " " + work);
  const std::string git = "git -C " + work + " -c user.name=bench -c user.email=bench@example.com ";

  const std::string secret = "bench-webhook-secret-0123456789";
  const std::string admin_token = "bench-admin-token-0123456789";
  auto store = sql::OpenSqlStore({.url = "sqlite://" + dir.path() + "/libsync.db"}).value();
  auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  web::EventHub hub;
  SyncService sync(*store, SystemClock(), SystemRandom(), *box, hub, ServiceOptions{},
                   EventPathOptions{.hook_cache = HookCacheOptions{}});
  auto remote = git::MakeGit2Remote({.cache_dir = dir.path() + "/cache"}).value();
  GitSyncService git_sync(sync.context(), *remote, {.allow_local_remotes = true});
  GitSyncScheduler scheduler(git_sync);
  GitWebhookService webhooks(sync.context(), sync.projects(), scheduler);
  web::Api api(sync, &git_sync, {.admin_token = admin_token, .hook_cache = sync.hook_cache(), .webhooks = &webhooks});
  web::ServerOptions options;
  options.port = 0;
  options.access_log = false;
  options.events = &hub;
  auto server = web::Server::Start(api, options).value();

  const Caller admin = Caller::Admin();
  const std::string project =
      sync.projects().Create(admin, {.name = "bench", .repo_url = bare, .webhook_secret = secret})->id;
  const std::string key = sync.keys().Create(admin, project, "workstation")->plain_key;
  if (!git_sync.Import(admin, project, {})) Fail("initial import");

  web::Client client(server->port());
  const std::string key_header = "X-API-Key: " + key + "\r\n";
  // GET /api/hook/docs answers {"hash","docsCount"}: the change is visible once the hash moves.
  const auto served_hash = [&] {
    const std::string answer = client.Get("/api/hook/docs/" + project, key_header);
    if (web::StatusOf(answer) != 200) Fail("GET /api/hook/docs answered: " + answer.substr(0, answer.find("\r\n")));
    const auto at = answer.find(R"("hash":")");
    return answer.substr(at + 8, 64);
  };
  std::string hash = served_hash();
  std::vector<double> latencies;
  for (int round = 0; round < rounds; ++round) {
    const int i = (round * 37) % files;
    const std::string text = Content(i, 5000 + round);
    std::ofstream(work + "/" + FileName(i), std::ios::binary) << text;
    Run(git + "commit -q -a -m 'edit " + std::to_string(round) + "'");
    Run(git + "push -q origin HEAD:main");

    const std::string body = R"({"ref":"refs/heads/main","before":"0","after":"1","commits":[]})";
    const std::string delivery = "X-GitHub-Event: push\r\nX-GitHub-Delivery: bench-" + std::to_string(round) +
                                 "\r\nX-Hub-Signature-256: sha256=" + HmacSha256Hex(secret, body) +
                                 "\r\nContent-Type: application/json\r\n";
    const auto start = Clock::now();
    client.Send("POST /api/projects/" + project + "/git/webhook HTTP/1.1\r\nHost: x\r\n" + delivery +
                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    const std::string answer = client.ReadResponse();
    if (web::StatusOf(answer) != 202) Fail("webhook answered: " + answer.substr(0, answer.find("\r\n")));
    for (std::string now = served_hash(); now == hash; now = served_hash()) {
      if (Seconds(start) > 30) Fail("the pushed change did not appear within 30 s");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    latencies.push_back(Seconds(start));
    hash = served_hash();
    // What moved the hash is the pushed text.
    auto doc = sync.docs().Get(admin, project, FileName(i).substr(5));
    if (!doc || doc->content != text) Fail("the served docs do not hold the pushed text");
    scheduler.WaitIdle();
  }
  server->Stop(std::chrono::seconds(2));
  std::fprintf(stderr, "webhook to visible, %d docs: %s\n", files, List(latencies, 1000, "ms").c_str());
  return latencies;
}

}  // namespace
}  // namespace libsync

int main(int argc, char** argv) {
  using libsync::SizeFigures;
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  std::vector<int> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {1000, 10000};

  std::printf("Medians of %d rounds.\n\n", rounds);
  std::printf("| files | git clone --depth 1 | (--no-checkout) | first import | import / clone "
              "| its rows by hand | by hand / clone | re-import, 1 file | export 1 doc |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  std::vector<SizeFigures> figures;
  for (int files : sizes) {
    const SizeFigures f = libsync::BenchSize(files, rounds);
    std::printf("| %6d | %7.3f s | %7.3f s | %7.3f s | %.2fx | %7.3f s | %.2fx | %7.1f ms | %7.1f ms |\n", f.files,
                f.shallow, f.no_checkout, f.first_import, f.first_import / f.shallow, f.by_hand, f.by_hand / f.shallow,
                f.reimport * 1000, f.export_one * 1000);
    std::fflush(stdout);
    figures.push_back(f);
  }
  std::printf("\nits Doc rows alone by hand (no history row, no event):");
  for (const SizeFigures& f : figures) {
    std::printf(" %d files %.3f s (%.2fx of the clone)", f.files, f.docs_by_hand, f.docs_by_hand / f.shallow);
  }
  std::printf("\n");
  if (figures.size() > 1) {
    const SizeFigures& small = figures.front();
    const SizeFigures& large = figures.back();
    std::printf("\nexport of 1 doc at %d docs / at %d docs: %.2fx\n", large.files, small.files,
                large.export_one / small.export_one);
  }
  const int webhook_docs = std::min(1000, sizes.front());
  const int webhook_rounds = rounds >= 3 ? 20 : 3;
  auto latencies = libsync::BenchWebhook(webhook_docs, webhook_rounds);
  const double p50 = libsync::Median(latencies);
  const double max = *std::max_element(latencies.begin(), latencies.end());
  std::printf("\npush webhook to the change in GET /api/hook/docs (%d docs, %d pushes): p50 %.1f ms, max %.1f ms\n",
              webhook_docs, webhook_rounds, p50 * 1000, max * 1000);
  return 0;
}
