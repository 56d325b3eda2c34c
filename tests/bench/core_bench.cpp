// In-process throughput of the core's hot use cases on the memory store: how fast the
// domain itself is, before any database or network. Run through `tests/bench/run.sh core`.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/hashing.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sync_service.hpp"

// Every C++ allocation of the calling thread is counted, so the single-threaded cases
// report how many they make per iteration (the "allocs" column): allocations were the
// largest cost of the lock cycle, and this keeps them visible.
namespace {
thread_local std::uint64_t allocations = 0;
}  // namespace

// GCC cannot see that these replace the global pair and warns that free() meets new.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace libsync {
namespace {

// Reports allocations per iteration of the loop it brackets.
class AllocationCounter {
 public:
  explicit AllocationCounter(benchmark::State& state) : state_(state), start_(allocations) {}
  ~AllocationCounter() {
    if (state_.iterations() == 0) return;
    state_.counters["allocs"] =
        static_cast<double>(allocations - start_) / static_cast<double>(state_.iterations());
  }

 private:
  benchmark::State& state_;
  std::uint64_t start_;
};

struct Fixture {
  std::unique_ptr<Store> store = MakeMemoryStore();
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{*store, SystemClock(), SystemRandom(), *box, NullEventSink()};
  Caller admin = Caller::Admin();
  std::string project = sync.projects().Create(admin, {.name = "bench", .repo_url = "x"})->id;
};

// One acquire plus one release: two transactions, a fresh token, two events.
void BM_LockCycle(benchmark::State& state) {
  Fixture f;
  AllocationCounter counter(state);
  for (auto _ : state) {
    auto grant = f.sync.locks().Acquire(f.admin, f.project, {.locked_by = "bench"});
    if (!grant) state.SkipWithError("acquire failed");
    auto released = f.sync.locks().Release(f.admin, f.project, grant->token);
    benchmark::DoNotOptimize(released);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LockCycle);

// Contended: every thread cycles its own project's lock (one store, one mutex).
void BM_LockCycleThreads(benchmark::State& state) {
  static Fixture* shared = nullptr;
  if (state.thread_index() == 0) shared = new Fixture();
  static std::vector<std::string> projects(64);
  if (state.thread_index() == 0) {
    for (int i = 0; i < state.threads(); ++i) {
      projects[i] = shared->sync.projects().Create(shared->admin, {.name = "p", .repo_url = "x"})->id;
    }
  }
  // Google Benchmark starts every thread's timing loop together, after the setup above.
  for (auto _ : state) {
    const std::string& project = projects[state.thread_index()];
    auto grant = shared->sync.locks().Acquire(shared->admin, project, {.locked_by = "bench"});
    auto released = shared->sync.locks().Release(shared->admin, project, grant->token);
    benchmark::DoNotOptimize(released);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete shared;
    shared = nullptr;
  }
}
BENCHMARK(BM_LockCycleThreads)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

// A 4 KB doc written with new content every time (new version, history row, event).
void BM_DocPut4K(benchmark::State& state) {
  Fixture f;
  std::string content(4096, 'x');
  std::uint64_t n = 0;
  AllocationCounter counter(state);
  for (auto _ : state) {
    const std::string stamp = std::to_string(n++);
    content.replace(0, stamp.size(), stamp);
    auto r = f.sync.docs().Put(f.admin, f.project, "overview.md", content);
    if (!r || !r->changed) state.SkipWithError("put did not write");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 4096);
}
BENCHMARK(BM_DocPut4K);

// The same content again: hash, compare, no write.
void BM_DocPutNoOp4K(benchmark::State& state) {
  Fixture f;
  const std::string content(4096, 'x');
  (void)f.sync.docs().Put(f.admin, f.project, "overview.md", content);
  for (auto _ : state) {
    auto r = f.sync.docs().Put(f.admin, f.project, "overview.md", content);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DocPutNoOp4K);

// The hook's "has anything changed?" over 6 docs.
void BM_DocsHash6(benchmark::State& state) {
  Fixture f;
  for (int i = 0; i < 6; ++i) {
    (void)f.sync.docs().Put(f.admin, f.project, "doc" + std::to_string(i) + ".md", std::string(4096, static_cast<char>('a' + i)));
  }
  for (auto _ : state) {
    auto r = f.sync.hooks().DocsHash(f.admin, f.project);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DocsHash6);

void BM_Sha256_4K(benchmark::State& state) {
  const std::string content(4096, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(Sha256Hex(content));
  state.SetBytesProcessed(state.iterations() * 4096);
}
BENCHMARK(BM_Sha256_4K);

// Baseline: what any in-memory lock cycle must at least do, with none of libsync's
// rules: two mutex-guarded map writes of a lock row keyed by project id, plus drawing a
// random token and hashing it. BM_LockCycle / this ratio is the cost of the domain.
void BM_BaselineMutexMapCycle(benchmark::State& state) {
  std::mutex mutex;
  std::map<std::string, std::string, std::less<>> locks;
  const std::string project = "6b1f8e0a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
  unsigned char token[32];
  for (auto _ : state) {
    SystemRandom().Fill(token);
    std::string hash = Sha256Hex(std::string_view(reinterpret_cast<const char*>(token), sizeof token));
    {
      std::lock_guard lock(mutex);
      locks[project] = std::move(hash);
    }
    {
      std::lock_guard lock(mutex);
      locks.erase(project);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BaselineMutexMapCycle);

}  // namespace
}  // namespace libsync

BENCHMARK_MAIN();
