#pragma once
// Events committed by other processes on a shared PostgreSQL database. Every event the
// SQL store appends on PostgreSQL also sends NOTIFY libsync_events '<projectId>:<seq>' in
// its transaction (delivered on commit); a listener hears them on its own connection, so
// several aitk-server instances behind one load balancer can all push every change to
// their subscribers (with libsync::EventRelay fetching the events themselves).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "libsync/result.hpp"

namespace libsync::sql {

class EventListener {
 public:
  virtual ~EventListener() = default;  ///< stops listening and joins the thread
};

/// Called on the listener's thread for each notification.
using EventNotice = std::function<void(const std::string& project_id, std::int64_t seq)>;

/// Called on the listener's thread once it listens, at start and again after losing its
/// connection: notices of events committed before were never heard, so the consumer reads
/// them from the event log (EventRelay::CatchUp). Returns false when it could not (the database is
/// still unreachable for it); the retry is then called, 100 ms later doubling to 5 s, until it
/// returns true.
using CatchUpNotice = std::function<bool()>;

/// Connects to the PostgreSQL database at `url` and calls `on_event` for every event
/// committed there from then on. A lost connection (a database restart, an administrator
/// terminating the session) is noticed at once and re-established with a short backoff
/// (50 ms doubling to 400 ms), after which `on_catch_up` runs. A connection that falls
/// silent without closing (a partition, a failover that reset nothing) is asked an empty
/// query after 5 s of silence, and dropped, reconnected and caught up when no answer comes
/// within 5 s more. `on_retry` (EventRelay::RetryFailed) redoes only what the last catch-up
/// could not, and also runs about once a second while all is well (it must be cheap
/// then), for reads the consumer failed elsewhere; without it, a failed catch-up is retried
/// whole. Expected errors: kInvalidArgument (not a postgresql:// URL), kUnavailable (cannot
/// connect).
Result<std::unique_ptr<EventListener>> ListenForEvents(const std::string& url, EventNotice on_event,
                                                       CatchUpNotice on_catch_up = {},
                                                       CatchUpNotice on_retry = {});

}  // namespace libsync::sql
