#pragma once
// The use-case facade that adapters and embedders call.

#include "libsync/doc_service.hpp"
#include "libsync/event_service.hpp"
#include "libsync/hook_service.hpp"
#include "libsync/key_service.hpp"
#include "libsync/lock_service.hpp"
#include "libsync/project_service.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

/// Owns one of each use-case service over one set of ports. Thread-safe: every method of
/// every service may be called from many threads at once. Not copyable (the services
/// point at the context it holds).
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
  SyncService(Store& store, Clock& clock, Random& random, SecretBox& secrets,
              EventSink& events, ServiceOptions options = {})
      : ctx_{store, clock, random, secrets, events, options},
        projects_(ctx_), docs_(ctx_), locks_(ctx_), keys_(ctx_), hooks_(ctx_), events_(ctx_) {}
  SyncService(const SyncService&) = delete;
  SyncService& operator=(const SyncService&) = delete;

  ProjectService& projects() noexcept { return projects_; }
  DocService& docs() noexcept { return docs_; }
  LockService& locks() noexcept { return locks_; }
  KeyService& keys() noexcept { return keys_; }
  HookService& hooks() noexcept { return hooks_; }
  EventService& events() noexcept { return events_; }
  const ServiceContext& context() const noexcept { return ctx_; }

 private:
  ServiceContext ctx_;
  ProjectService projects_;
  DocService docs_;
  LockService locks_;
  KeyService keys_;
  HookService hooks_;
  EventService events_;
};

}  // namespace libsync
