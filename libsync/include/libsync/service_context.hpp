#pragma once
// What every use case runs against: the ports and the tunable limits.

#include <chrono>
#include <cstddef>

#include "libsync/ports/clock.hpp"
#include "libsync/ports/event_sink.hpp"
#include "libsync/ports/random.hpp"
#include "libsync/ports/secret_box.hpp"
#include "libsync/ports/store.hpp"

namespace libsync {

struct ServiceOptions {
  Duration default_lock_ttl = std::chrono::minutes(30);
  Duration min_lock_ttl = std::chrono::seconds(1);
  Duration max_lock_ttl = std::chrono::hours(24);
  std::size_t max_doc_bytes = 1024 * 1024;
  /// A key's lastUsedAt is rewritten at most this often, so authenticating a busy
  /// workstation is not one database write per request.
  Duration key_use_granularity = std::chrono::seconds(60);
  /// Most events returned by one read of the log.
  std::size_t max_event_page = 1000;
};

/// Non-owning: the ports must outlive every service built on the context.
struct ServiceContext {
  Store& store;
  Clock& clock;
  Random& random;
  SecretBox& secrets;
  EventSink& events;
  ServiceOptions options;
};

}  // namespace libsync
