// One process of the multi-process lock race: several threads acquire and release one
// project's lock through the SQL store and record every grant as
// "<fence> <monotonic ns after acquire> <monotonic ns before release>".
// Usage: lock_race_worker URL PROJECT_ID THREADS ATTEMPTS OUT_FILE

#include <time.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sql_services.hpp"

namespace {

long long MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // one clock for every process on the machine
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace libsync;
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s URL PROJECT_ID THREADS ATTEMPTS OUT_FILE\n", argv[0]);
    return 2;
  }
  // As aitk-server runs: SQLite's connections unlocked, so the race also checks that the
  // store never lets two threads into one connection.
  if (!sql::UseUnlockedSqliteConnections()) {
    std::fprintf(stderr, "SQLite was in use before the worker could configure it\n");
    return 1;
  }
  const std::string url = argv[1], project = argv[2];
  const int threads = std::stoi(argv[3]), attempts = std::stoi(argv[4]);
  std::string error;
  auto services = testing::SqlServices::Open({.url = url, .pool_size = static_cast<std::size_t>(threads)}, &error);
  if (!services) {
    std::fprintf(stderr, "open: %s\n", error.c_str());
    return 1;
  }
  SyncService& sync = services->sync;
  const Caller& admin = services->admin;

  std::mutex mutex;
  std::vector<std::string> lines;
  int unexpected = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < attempts; ++i) {
        auto grant = sync.locks().Acquire(admin, project, {.locked_by = "racer", .ttl = std::chrono::minutes(5)});
        if (!grant) {
          if (grant.error().code() != ErrorCode::kLockHeld) {
            std::lock_guard lock(mutex);
            std::fprintf(stderr, "acquire: %s\n", grant.error().ToString().c_str());
            ++unexpected;
          }
          continue;
        }
        const long long start = MonotonicNs();
        const long long end = MonotonicNs();
        {
          std::lock_guard lock(mutex);
          lines.push_back(std::to_string(grant->lock.fence) + " " + std::to_string(start) + " " +
                          std::to_string(end));
        }
        auto released = sync.locks().Release(admin, project, grant->token);
        if (!released || !*released) {
          std::lock_guard lock(mutex);
          std::fprintf(stderr, "release: %s\n", released ? "not held" : released.error().ToString().c_str());
          ++unexpected;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  std::ofstream out(argv[5]);
  for (const auto& line : lines) out << line << "\n";
  return unexpected == 0 ? 0 : 1;
}
