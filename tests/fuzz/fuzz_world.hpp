#pragma once
// The state every fuzz target runs against: a store with one project, a doc, a live lock,
// a read key and a write key, the Api with its hook cache, and the invariant checked after
// every input: the server answered with a status it may use (never 5xx).
//
// The store is the memory store, or the SQL store at the URL in LIBSYNC_FUZZ_STORE
// (scripts/fuzz.sh runs each target on both: a value the memory store keeps, a NUL say,
// can still break SQL).

#include <cstdio>
#include <cstdlib>
#include <string>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/hook_cache.hpp"
#include "libsync/http/api.hpp"
#include "libsync/http/doc_answer.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sync_service.hpp"
#ifdef LIBSYNC_FUZZ_WITH_SQL
#include "libsync/sql/sql_store.hpp"
#endif

namespace libsync::fuzz {

inline std::unique_ptr<Store> OpenFuzzStore() {
  const char* url = std::getenv("LIBSYNC_FUZZ_STORE");
  if (!url || !*url) return MakeMemoryStore({.event_retention = 100});
#ifdef LIBSYNC_FUZZ_WITH_SQL
  // Commits need not reach the disk: the fuzzer wants inputs per second, not durability.
  auto store = sql::OpenSqlStore(
      {.url = url, .pool_size = 2, .sqlite_synchronous_full = false, .sqlite_exclusive = true, .event_retention = 100});
  if (store) return std::move(store).value();
  std::fprintf(stderr, "LIBSYNC_FUZZ_STORE=%s: %s\n", url, store.error().ToString().c_str());
#else
  std::fprintf(stderr, "LIBSYNC_FUZZ_STORE is set, but the fuzz targets were built without the SQL store\n");
#endif
  std::abort();
}

struct World {
  std::unique_ptr<Store> store = OpenFuzzStore();
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{*store, SystemClock(), SystemRandom(), *box, NullEventSink(), {}, {.hook_cache = HookCacheOptions{.render_doc = web::RenderDocAnswer}}};
  web::Api api{sync, nullptr, {.admin_token = "fuzz-admin-token-0123456789", .hook_cache = sync.hook_cache()}};
  std::string project, read_key, write_key, lock_token;

  World() {
    const Caller admin = Caller::Admin();
    project = sync.projects().Create(admin, {.name = "p", .repo_url = "x"})->id;
    read_key = sync.keys().Create(admin, project, "r")->plain_key;
    write_key = sync.keys().Create(admin, project, "w", KeyScope::kWrite)->plain_key;
    (void)sync.docs().Put(admin, project, "a.md", "hello");
    lock_token = sync.locks().Acquire(admin, project, {.locked_by = "fuzz"})->token;
  }

  /// Handles `request` both ways a server would and aborts on a 5xx: no input may make
  /// the server fail (500) or claim to be unavailable while its store is fine (503).
  void Check(const web::Request& request) const {
    if (auto cached = api.HandleCached(request); cached && cached->status >= 500) Fail(*cached, request);
    const web::Response response = api.Handle(request);
    if (response.status >= 500 || response.status < 200) Fail(response, request);
  }

  [[noreturn]] static void Fail(const web::Response& r, const web::Request& req) {
    std::fprintf(stderr, "status %d for %s %s\n%s\n", r.status, req.method.c_str(), req.target.c_str(), r.body.c_str());
    std::abort();
  }
};

inline World& TheWorld() {
  static World* world = new World();  // never destroyed: libFuzzer exits without unwinding
  return *world;
}

}  // namespace libsync::fuzz
