// Throughput of the SQL store's lock cycle and doc put with 1, 8 and 32 client threads on
// SQLite and PostgreSQL, each beside two raw-SQL baselines (raw_sql_baseline.hpp) run in
// the same process on the same database, through the same driver on connections opened
// with the store's own settings:
//   same rows (the like-for-like baseline): what the store must write for the operation,
//     by hand -- the lock with its fence, the doc with its blob id once no live lock holds
//     the project, and each change's event with the project's next seq, in the same
//     transaction (docs/semantics.md);
//   minimal (the floor): the classic lease (one upsert, one delete by token hash) and
//     versioned update (the doc row and its history row), without fence, lock check or
//     event.
// Before anything is timed, each side's operation is run once and its rows checked; while
// timing, every raw statement checks the rows it changed and every libsync call its
// answer. Any miss ends the run (exit 1).
// Usage: sql_store_bench [seconds per case] [sqlite|postgresql]

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "../adapters/sql/postgres_cluster.hpp"
#include "../adapters/sql/temp_dir.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/credentials.hpp"
#include "libsync/hashing.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"
#include "raw_sql_baseline.hpp"

namespace libsync {
namespace {

using Clock = std::chrono::steady_clock;

double Rate(int threads, double seconds, const std::function<void(int thread, std::atomic<bool>& stop, long& done)>& body) {
  std::atomic<bool> stop{false};
  std::vector<long> counts(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { body(t, stop, counts[static_cast<std::size_t>(t)]); });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  long total = 0;
  for (long c : counts) total += c;
  return static_cast<double>(total) / elapsed;
}

using Body = std::function<void(int thread, std::atomic<bool>& stop, long& done)>;

// Each side's rate over `seconds`, measured in alternating slices (three each) so that a
// change in the machine's load (it is shared) weighs on every side alike instead of on
// whichever ran last.
std::vector<double> Compare(int threads, double seconds, const std::vector<const Body*>& sides) {
  constexpr int kSlices = 3;
  std::vector<double> sums(sides.size(), 0);
  for (int i = 0; i < kSlices; ++i) {
    for (std::size_t s = 0; s < sides.size(); ++s) sums[s] += Rate(threads, seconds / kSlices, *sides[s]);
  }
  for (double& sum : sums) sum /= kSlices;
  return sums;
}

struct Backend {
  std::string name;
  std::function<std::string()> new_database;  // URL of a fresh database
  bool sqlite;
};

// A 4 KB text, different for every (thread, i).
std::string DocText(const std::string& content, const char* side, long i, int thread) {
  std::string text = content;
  char stamp[48];
  const int len = std::snprintf(stamp, sizeof stamp, "%s%ld-%d", side, i, thread);
  text.replace(0, static_cast<std::size_t>(len), stamp, static_cast<std::size_t>(len));
  return text;
}

// Runs each side's lock cycle and doc put once on `project` and checks, through `raw`,
// that each did the work the benchmark times: the lock row there after the grant and
// gone after the release, the doc row at the next version with the new hash, one more
// history row. libsync and the same-rows baseline must also have taken the next fence
// and logged one event per change.
void CheckEverySideDoesTheWork(SyncService& sync, bench::RawSql& raw, bench::RawSql& minimal,
                               const std::string& project, const std::string& doc_id, const std::string& content) {
  const Caller admin = Caller::Admin();
  const auto p = [&](int n) { return raw.Param(n); };
  const std::string locks = R"(SELECT COUNT(*) FROM "Lock" WHERE "projectId" = )" + p(1) +
                            R"( AND "tokenHash" = )" + p(2);
  const std::string any_lock = R"(SELECT COUNT(*) FROM "Lock" WHERE "projectId" = )" + p(1);
  const std::string events = R"(SELECT COUNT(*) FROM "Event" WHERE "projectId" = )" + p(1);
  const std::string fence = R"(SELECT "fence" FROM "Lock" WHERE "projectId" = )" + p(1);
  const std::string version = R"(SELECT "version" FROM "Doc" WHERE "id" = )" + p(1);
  const std::string hash = R"(SELECT "hash" FROM "Doc" WHERE "id" = )" + p(1);
  const std::string history = R"(SELECT COUNT(*) FROM "DocVersion" WHERE "docId" = )" + p(1) +
                              R"( AND "version" = )" + p(2) + R"( AND "hash" = )" + p(3);
  const auto expect = [](bool ok, const std::string& what) {
    if (!ok) bench::Fail("before timing: " + what);
  };

  // Lock cycle.
  const long long events_before = raw.Number(events, {project});
  auto grant = sync.locks().Acquire(admin, project, {.locked_by = "bench"});
  if (!grant) bench::Fail("libsync acquire: " + grant.error().ToString());
  expect(raw.Number(locks, {project, HashSecret(grant->token)}) == 1, "libsync's grant left no lock row");
  auto released = sync.locks().Release(admin, project, grant->token);
  expect(released && *released, "libsync's release did not release");
  expect(raw.Number(any_lock, {project}) == 0, "libsync's release left the lock row");
  expect(raw.Number(events, {project}) == events_before + 2, "libsync's lock cycle did not log two events");
  const std::string token_hash = HashSecret(NewLockToken(SystemRandom()));
  raw.TakeLock(project, token_hash);
  expect(raw.Number(locks, {project, token_hash}) == 1, "the raw upsert left no lock row");
  expect(raw.Number(fence, {project}) == grant->lock.fence + 1, "the raw grant did not take the next fence");
  raw.DropLock(project, token_hash);
  expect(raw.Number(any_lock, {project}) == 0, "the raw delete left the lock row");
  expect(raw.Number(events, {project}) == events_before + 4, "the raw lock cycle did not log two events");
  minimal.TakeLock(project, token_hash);
  expect(raw.Number(locks, {project, token_hash}) == 1, "the minimal upsert left no lock row");
  minimal.DropLock(project, token_hash);
  expect(raw.Number(any_lock, {project}) == 0, "the minimal delete left the lock row");

  // Doc put.
  const std::string ours = DocText(content, "check", 0, 0), theirs = DocText(content, "rawcheck", 0, 0);
  const long long v0 = raw.Number(version, {doc_id});
  auto put = sync.docs().Put(admin, project, "overview.md", ours);
  if (!put) bench::Fail("libsync doc put: " + put.error().ToString());
  expect(raw.Number(version, {doc_id}) == v0 + 1 && raw.Text(hash, {doc_id}) == Sha256Hex(ours),
         "libsync's put did not write the next version");
  expect(raw.Number(history, {doc_id, std::to_string(v0 + 1), Sha256Hex(ours)}) == 1,
         "libsync's put added no history row");
  expect(raw.Number(events, {project}) == events_before + 5, "libsync's put logged no event");
  expect(raw.PutDoc(doc_id, project, theirs) == v0 + 2, "the raw put did not return the next version");
  expect(raw.Number(version, {doc_id}) == v0 + 2 && raw.Text(hash, {doc_id}) == Sha256Hex(theirs),
         "the raw put did not write the next version");
  expect(raw.Number(history, {doc_id, std::to_string(v0 + 2), Sha256Hex(theirs)}) == 1,
         "the raw put added no history row");
  expect(raw.Text(R"(SELECT "blobOid" FROM "Doc" WHERE "id" = )" + p(1), {doc_id}) == GitBlobId(theirs),
         "the raw put did not store the blob id");
  expect(raw.Number(events, {project}) == events_before + 6, "the raw put logged no event");
  const std::string last = DocText(content, "mincheck", 0, 0);
  expect(minimal.PutDoc(doc_id, project, last) == v0 + 3, "the minimal put did not return the next version");
  expect(raw.Number(history, {doc_id, std::to_string(v0 + 3), Sha256Hex(last)}) == 1,
         "the minimal put added no history row");
}

// Returns the durability and isolation settings both sides ran with.
std::string RunBackend(const Backend& b, double seconds) {
  std::string settings;
  for (int threads : {1, 8, 32}) {
    const std::string url = b.new_database();
    auto opened = sql::OpenSqlStore({.url = url, .pool_size = static_cast<std::size_t>(threads)});
    if (!opened) bench::Fail(b.name + ": " + opened.error().ToString());
    Store& store = **opened;
    auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
    SyncService sync(store, SystemClock(), SystemRandom(), *box, NullEventSink());
    const Caller admin = Caller::Admin();
    std::vector<std::unique_ptr<bench::RawSql>> raw, minimal;
    for (int t = 0; t < threads; ++t) {
      raw.push_back(bench::OpenRawSql(url, bench::RawWork::kSameRows));
      minimal.push_back(bench::OpenRawSql(url, bench::RawWork::kMinimal));
    }
    std::vector<std::string> projects;  // one per thread: throughput, not contention
    std::vector<std::string> docs;
    for (int t = 0; t < threads; ++t) {
      std::string name = "p";
      name += std::to_string(t);  // not "p" + ...: GCC 12 -O3 misreports that as overlapping memcpy
      auto project = sync.projects().Create(admin, {.name = name, .repo_url = "x"});
      if (!project) bench::Fail("create project: " + project.error().ToString());
      projects.push_back(project->id);
      auto doc = sync.docs().Put(admin, projects.back(), "overview.md", "start");
      if (!doc) bench::Fail("create doc: " + doc.error().ToString());
      docs.push_back(doc->doc.id);
    }
    const std::string content(4096, 'x');
    CheckEverySideDoesTheWork(sync, *raw.front(), *minimal.front(), projects.front(), docs.front(), content);
    if (threads == 1) settings = raw.front()->Settings();

    std::mutex sqlite_writer;  // the same in-process writer queue the store uses
    const auto writer = [&]() -> std::unique_lock<std::mutex> {
      return b.sqlite ? std::unique_lock(sqlite_writer) : std::unique_lock<std::mutex>();
    };
    const auto at = [](const auto& v, int t) -> decltype(auto) { return v[static_cast<std::size_t>(t)]; };

    const Body store_lock = [&](int t, std::atomic<bool>& stop, long& done) {
      while (!stop) {
        auto g = sync.locks().Acquire(admin, at(projects, t), {.locked_by = "bench"});
        if (!g) bench::Fail("libsync acquire: " + g.error().ToString());
        auto released = sync.locks().Release(admin, at(projects, t), g->token);
        if (!released || !*released) bench::Fail("libsync release did not release");
        ++done;
      }
    };
    const auto raw_lock_on = [&](std::vector<std::unique_ptr<bench::RawSql>>& side) -> Body {
      return [&](int t, std::atomic<bool>& stop, long& done) {
        bench::RawSql& s = *at(side, t);
        while (!stop) {
          const std::string token_hash = HashSecret(NewLockToken(SystemRandom()));
          {
            auto lock = writer();
            s.TakeLock(at(projects, t), token_hash);
          }
          {
            auto lock = writer();
            s.DropLock(at(projects, t), token_hash);
          }
          ++done;
        }
      };
    };
    std::vector<long> puts(static_cast<std::size_t>(threads), 0);  // each put a new text, across slices
    const Body store_put = [&](int t, std::atomic<bool>& stop, long& done) {
      while (!stop) {
        const long i = ++puts[static_cast<std::size_t>(t)];
        auto put = sync.docs().Put(admin, at(projects, t), "overview.md", DocText(content, "", i, t));
        if (!put || !put->changed) bench::Fail("libsync doc put did not write a version");
        ++done;
      }
    };
    const auto raw_put_on = [&](std::vector<std::unique_ptr<bench::RawSql>>& side) -> Body {
      return [&](int t, std::atomic<bool>& stop, long& done) {
        bench::RawSql& s = *at(side, t);
        while (!stop) {
          const long i = ++puts[static_cast<std::size_t>(t)];
          const std::string text = DocText(content, "raw", i, t);
          auto lock = writer();
          s.PutDoc(at(docs, t), at(projects, t), text);
          ++done;
        }
      };
    };
    const Body raw_lock = raw_lock_on(raw), minimal_lock = raw_lock_on(minimal);
    const Body raw_put = raw_put_on(raw), minimal_put = raw_put_on(minimal);
    const auto print = [&](const char* operation, const std::vector<double>& r) {
      std::printf("| %-10s | %2d | %s | %9.0f | %9.0f | %5.2f | %9.0f | %5.2f |\n", b.name.c_str(), threads,
                  operation, r[0], r[1], r[0] / r[1], r[2], r[0] / r[2]);
    };
    print("lock cycle", Compare(threads, seconds, {&store_lock, &raw_lock, &minimal_lock}));
    print("doc put 4K", Compare(threads, seconds, {&store_put, &raw_put, &minimal_put}));
    std::fflush(stdout);
  }
  return settings;
}

}  // namespace
}  // namespace libsync

int main(int argc, char** argv) {
  using namespace libsync;
  const double seconds = argc > 1 ? std::stod(argv[1]) : 2.0;
  testing::TempDir dir;
  int n = 0;
  std::vector<Backend> backends;
  backends.push_back(
      {"sqlite", [&] { return "sqlite://" + dir.path() + "/bench-" + std::to_string(n++) + ".db"; }, true});
  if (auto* cluster = testing::PostgresCluster::Get()) {
    backends.push_back({"postgresql", [cluster] { return cluster->NewDatabase(); }, false});
  } else {
    std::printf("PostgreSQL skipped: %s\n", testing::PostgresCluster::Unavailable().c_str());
  }
  std::printf(
      "| backend    | threads | operation | libsync ops/s | raw, same rows ops/s | ratio | raw, minimal ops/s | ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  const std::string only = argc > 2 ? argv[2] : "";  // optional: run one backend
  std::vector<std::string> settings;
  for (const auto& b : backends) {
    if (only.empty() || only == b.name) settings.push_back(b.name + ": " + RunBackend(b, seconds));
  }
  // Both sides' connections come from sql::OpenConnection with the store's defaults.
  std::printf("\nSettings of both sides:\n");
  for (const std::string& line : settings) std::printf("- %s\n", line.c_str());
  return 0;
}
