#pragma once
// EventSink port: receives domain events after the transaction that appended them has
// committed. The HTTP adapter fans them out to subscribers.

#include <span>

#include "libsync/model/event.hpp"

namespace libsync {

/// Implementations must be safe for concurrent calls and must not block for long: they
/// are called on the thread that ran the use case. Events of one project arrive in seq
/// order per caller thread; a sink that needs a global order sorts by seq (events carry it).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(std::span<const Event> events) noexcept = 0;
};

/// A sink that drops everything, for embedders that only read the event log.
EventSink& NullEventSink();

}  // namespace libsync
