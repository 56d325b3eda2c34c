// Throughput of the SQL store's lock cycle and doc put with 1, 8 and 32 client threads on
// SQLite and PostgreSQL, each beside a raw-SQL baseline run in the same process on the
// same database through the same driver (SOCI):
//   lock cycle baseline: one atomic upsert that takes the lock only if it is free or
//     expired, then one delete by token hash -- each its own transaction;
//   doc put baseline: UPDATE the doc row and INSERT its history row in one transaction.
// libsync does more per operation (fences, the durable event log, the rules of
// DESIGN §4); the ratio says what that costs.
// Usage: sql_store_bench [seconds per case] [sqlite|postgresql]

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "../adapters/sql/postgres_cluster.hpp"
#include "../adapters/sql/temp_dir.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/credentials.hpp"
#include "libsync/hashing.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"

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

struct Backend {
  std::string name;
  std::function<std::string()> new_database;           // URL of a fresh database
  std::function<std::string(const std::string&)> raw;  // SOCI connect string for that URL
  bool sqlite;
};

void RunBackend(const Backend& b, double seconds) {
  for (int threads : {1, 8, 32}) {
    const std::string url = b.new_database();
    auto opened = sql::OpenSqlStore({.url = url, .pool_size = static_cast<std::size_t>(threads)});
    if (!opened) {
      std::printf("%s: %s\n", b.name.c_str(), opened.error().ToString().c_str());
      return;
    }
    Store& store = **opened;
    auto box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
    SyncService sync(store, SystemClock(), SystemRandom(), *box, NullEventSink());
    const Caller admin = Caller::Admin();
    std::vector<std::string> projects;  // one per thread: throughput, not contention
    for (int t = 0; t < threads; ++t) {
      std::string name = "p";
      name += std::to_string(t);  // not "p" + ...: GCC 12 -O3 misreports that as overlapping memcpy
      projects.push_back(sync.projects().Create(admin, {.name = name, .repo_url = "x"})->id);
      (void)sync.docs().Put(admin, projects.back(), "overview.md", "start");
    }
    std::vector<std::unique_ptr<soci::session>> raw;
    for (int t = 0; t < threads; ++t) {
      const soci::backend_factory& factory =
          b.sqlite ? static_cast<const soci::backend_factory&>(soci::sqlite3) : soci::postgresql;
      raw.push_back(std::make_unique<soci::session>(factory, b.raw(url)));
      if (b.sqlite) *raw.back() << "PRAGMA busy_timeout=5000";
    }
    std::mutex sqlite_writer;  // the same in-process writer queue the store uses
    auto begin = [&](soci::session& s) -> std::unique_lock<std::mutex> {
      std::unique_lock<std::mutex> lock;
      if (b.sqlite) lock = std::unique_lock(sqlite_writer);
      s << (b.sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
      return lock;
    };

    const double store_lock = Rate(threads, seconds, [&](int t, std::atomic<bool>& stop, long& done) {
      while (!stop) {
        auto g = sync.locks().Acquire(admin, projects[t], {.locked_by = "bench"});
        if (!g) continue;
        auto released = sync.locks().Release(admin, projects[t], g->token);
        if (released && *released) ++done;
      }
    });
    const double raw_lock = Rate(threads, seconds, [&](int t, std::atomic<bool>& stop, long& done) {
      soci::session& s = *raw[static_cast<std::size_t>(t)];
      std::string pid = projects[static_cast<std::size_t>(t)];
      while (!stop) {
        std::string id = NewId(SystemRandom()), token_hash = HashSecret(NewLockToken(SystemRandom()));
        std::string now = FormatTimestamp(SystemClock().Now());
        std::string expires = FormatTimestamp(SystemClock().Now() + std::chrono::minutes(30));
        {
          auto lock = begin(s);
          s << R"(INSERT INTO "Lock" ("id", "projectId", "lockedBy", "lockedAt", "expiresAt", "tokenHash")
                  VALUES (:i, :p, 'bench', :n, :e, :t) ON CONFLICT ("projectId") DO UPDATE
                  SET "id" = excluded."id", "lockedAt" = excluded."lockedAt", "expiresAt" = excluded."expiresAt",
                      "tokenHash" = excluded."tokenHash" WHERE "Lock"."expiresAt" <= excluded."lockedAt")",
              soci::use(id), soci::use(pid), soci::use(now), soci::use(expires), soci::use(token_hash);
          s << "COMMIT";
        }
        {
          auto lock = begin(s);
          s << R"(DELETE FROM "Lock" WHERE "projectId" = :p AND "tokenHash" = :t)", soci::use(pid),
              soci::use(token_hash);
          s << "COMMIT";
        }
        ++done;
      }
    });
    const std::string content(4096, 'x');
    const double store_put = Rate(threads, seconds, [&](int t, std::atomic<bool>& stop, long& done) {
      for (long i = 0; !stop; ++i) {
        std::string text = content;
        char stamp[32];
        const int len = std::snprintf(stamp, sizeof stamp, "%ld-%d", i, t);
        text.replace(0, static_cast<std::size_t>(len), stamp, static_cast<std::size_t>(len));
        if (sync.docs().Put(admin, projects[t], "overview.md", text)) ++done;
      }
    });
    const double raw_put = Rate(threads, seconds, [&](int t, std::atomic<bool>& stop, long& done) {
      soci::session& s = *raw[static_cast<std::size_t>(t)];
      std::string pid = projects[static_cast<std::size_t>(t)];
      std::string doc_id;
      s << R"(SELECT "id" FROM "Doc" WHERE "projectId" = :p)", soci::into(doc_id), soci::use(pid);
      for (long i = 0; !stop; ++i) {
        std::string text = content;
        char stamp[32];
        const int len = std::snprintf(stamp, sizeof stamp, "raw%ld", i);
        text.replace(0, static_cast<std::size_t>(len), stamp, static_cast<std::size_t>(len));
        std::string hash = Sha256Hex(text), now = FormatTimestamp(SystemClock().Now());
        std::string vid = NewId(SystemRandom());
        long long version = 0;
        auto lock = begin(s);
        s << R"(UPDATE "Doc" SET "content" = :c, "hash" = :h, "version" = "version" + 1, "updatedAt" = :u
                WHERE "id" = :i)", soci::use(text), soci::use(hash), soci::use(now), soci::use(doc_id);
        s << R"(SELECT "version" FROM "Doc" WHERE "id" = :i)", soci::into(version), soci::use(doc_id);
        s << R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content", "hash",
                "author", "source", "createdAt") VALUES (:v, :d, :p, 'overview.md', :n, :c, :h, 'bench', 'api', :t))",
            soci::use(vid), soci::use(doc_id), soci::use(pid), soci::use(version), soci::use(text), soci::use(hash),
            soci::use(now);
        s << "COMMIT";
        ++done;
      }
    });
    std::printf("| %-10s | %2d | lock cycle | %9.0f | %9.0f | %5.2f |\n", b.name.c_str(), threads, store_lock,
                raw_lock, store_lock / raw_lock);
    std::printf("| %-10s | %2d | doc put 4K | %9.0f | %9.0f | %5.2f |\n", b.name.c_str(), threads, store_put,
                raw_put, store_put / raw_put);
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace libsync

int main(int argc, char** argv) {
  using namespace libsync;
  const double seconds = argc > 1 ? std::stod(argv[1]) : 2.0;
  testing::TempDir dir;
  int n = 0;
  std::vector<Backend> backends;
  backends.push_back({"sqlite", [&] { return "sqlite://" + dir.path() + "/bench-" + std::to_string(n++) + ".db"; },
                      [](const std::string& url) { return "db=" + url.substr(9); }, true});
  if (auto* cluster = testing::PostgresCluster::Get()) {
    backends.push_back({"postgresql", [cluster] { return cluster->NewDatabase(); },
                        [cluster](const std::string& url) { return cluster->ConnectStringFor(url); }, false});
  } else {
    std::printf("PostgreSQL skipped: %s\n", testing::PostgresCluster::Unavailable().c_str());
  }
  std::printf("| backend    | threads | operation | libsync ops/s | raw SQL ops/s | ratio |\n");
  std::printf("|---|---|---|---|---|---|\n");
  const std::string only = argc > 2 ? argv[2] : "";  // optional: run one backend
  for (const auto& b : backends) {
    if (only.empty() || only == b.name) RunBackend(b, seconds);
  }
  return 0;
}
