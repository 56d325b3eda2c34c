#pragma once
// SyncService: the use-case facade that adapters and embedders call, with the optional
// parts of its event path (a HookCache, an EventRelay) built in.

#include <memory>
#include <optional>

#include "libsync/doc_service.hpp"
#include "libsync/event_relay.hpp"
#include "libsync/event_service.hpp"
#include "libsync/hook_cache.hpp"
#include "libsync/hook_service.hpp"
#include "libsync/key_service.hpp"
#include "libsync/lock_service.hpp"
#include "libsync/project_service.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

/// What the SyncService places between its services and the sink it is given. Committed
/// events go services -> EventRelay (when asked) -> HookCache (when asked) -> the sink.
struct EventPathOptions {
  /// Answer the hook routes from memory (SyncService::hook_cache()); nullopt: no cache.
  std::optional<HookCacheOptions> hook_cache;
  /// Relay events that other processes sharing the database commit (SyncService::relay()),
  /// for a store whose adapter hears their notices (PostgreSQL).
  bool relay_remote_events = false;
};

/// Owns one of each use-case service over one set of ports, and the parts of the event
/// path asked for in EventPathOptions. Thread-safe: every method of every service may be
/// called from many threads at once. Not copyable (the services point at the context it
/// holds).
///
/// @code
/// auto store = MakeMemoryStore();
/// auto box = MakeAesGcmSecretBox({GenerateSecretKey("k1")}).value();
/// SyncService sync(*store, SystemClock(), SystemRandom(), *box, NullEventSink());
/// auto admin = Caller::Admin();
/// auto project = sync.projects().Create(admin, {.name = "web", .repo_url = "..."});
/// @endcode
class SyncService {
 public:
  /// The ports and `subscribers` (where committed events end up) must outlive the service.
  SyncService(Store& store, Clock& clock, Random& random, SecretBox& secrets, EventSink& subscribers,
              ServiceOptions options = {}, EventPathOptions path = {});
  ~SyncService();
  SyncService(const SyncService&) = delete;
  SyncService& operator=(const SyncService&) = delete;

  ProjectService& projects() noexcept { return projects_; }
  DocService& docs() noexcept { return docs_; }
  LockService& locks() noexcept { return locks_; }
  KeyService& keys() noexcept { return keys_; }
  HookService& hooks() noexcept { return hooks_; }
  EventService& events() noexcept { return events_; }
  const ServiceContext& context() const noexcept { return ctx_; }

  /// The hook cache, or null when EventPathOptions::hook_cache was not set.
  HookCache* hook_cache() noexcept { return hook_cache_.get(); }
  /// The relay, or null when EventPathOptions::relay_remote_events was false.
  EventRelay* relay() noexcept { return relay_.get(); }

 private:
  // Declared first, built first: the context below names the head of the event path. They
  // keep references to the services declared after them and use them only once the
  // constructor has finished.
  std::unique_ptr<HookCache> hook_cache_;
  std::unique_ptr<EventRelay> relay_;
  ServiceContext ctx_;
  ProjectService projects_;
  DocService docs_;
  LockService locks_;
  KeyService keys_;
  HookService hooks_;
  EventService events_;
};

}  // namespace libsync
