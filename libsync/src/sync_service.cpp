#include "libsync/sync_service.hpp"

namespace libsync {
namespace {

// The sink the services publish to: the first part of the event path that exists.
EventSink& HeadOf(EventRelay* relay, HookCache* cache, EventSink& subscribers) {
  if (relay) return *relay;
  if (cache) return *cache;
  return subscribers;
}

}  // namespace

SyncService::SyncService(Store& store, Clock& clock, Random& random, SecretBox& secrets, EventSink& subscribers,
                         ServiceOptions options, EventPathOptions path)
    : hook_cache_(path.hook_cache
                      ? std::make_unique<HookCache>(keys_, hooks_, docs_, clock, subscribers, *path.hook_cache)
                      : nullptr),
      relay_(path.relay_remote_events
                 ? std::make_unique<EventRelay>(projects_, events_, clock,
                                                hook_cache_ ? static_cast<EventSink&>(*hook_cache_) : subscribers)
                 : nullptr),
      ctx_{store, clock, random, secrets, HeadOf(relay_.get(), hook_cache_.get(), subscribers), options},
      projects_(ctx_),
      docs_(ctx_),
      locks_(ctx_),
      keys_(ctx_),
      hooks_(ctx_),
      events_(ctx_) {}

SyncService::~SyncService() = default;

}  // namespace libsync
