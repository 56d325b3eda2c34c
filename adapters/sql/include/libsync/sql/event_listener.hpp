#pragma once
// Events committed by other processes on a shared PostgreSQL database. After a transaction
// that appended events commits, the SQL store's notifier sends NOTIFY libsync_events
// '<projectId>:<seq>' (the project's newest seq; one notice may stand for several events,
// and several commits), and a listener hears it on its own connection, so several
// aitk-server instances behind one load balancer can all push every change to their
// subscribers (with libsync::EventRelay fetching the events themselves from the log).
// Since a notice can be lost (the process that committed died before its notifier sent
// it), the listener also reads every project's newest seq once a second and reports each
// one that moved beyond the notices it heard.

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

/// Called on the listener's thread for each notification, and for each project whose
/// head the sweep found past the newest seq heard (`seq`: that head), or gone (`seq`: one
/// past the newest heard). Several events may be behind one call; a seq may come twice.
using EventNotice = std::function<void(const std::string& project_id, std::int64_t seq)>;

/// Called on the listener's thread once it listens, at start and again after losing its
/// connection: notices of events committed before were never heard, so the consumer reads
/// them from the event log (EventRelay::CatchUp). Returns false when it could not (the database is
/// still unreachable for it); the retry is then called, 100 ms later doubling to 5 s, until it
/// returns true.
using CatchUpNotice = std::function<bool()>;

/// Connects to the PostgreSQL database at `url` and calls `on_event` for the events
/// committed there from then on: at once on their notice, or within about a second when
/// the notice was lost (the head sweep: one `SELECT "id", "eventSeq" FROM "Project"` a
/// second, so the role needs the right to read it). A lost connection (a database
/// restart, an administrator terminating the session) is noticed at once and
/// re-established with a short backoff (50 ms doubling to 400 ms), after which
/// `on_catch_up` runs. A connection that falls silent without closing (a partition, a
/// failover that reset nothing) is noticed by the sweep: one unanswered for 5 s has the
/// connection dropped, reconnected and caught up. `on_retry` (EventRelay::RetryFailed)
/// redoes only what the last catch-up could not, and also runs about once a second while
/// all is well (it must be cheap then), for reads the consumer failed elsewhere; without
/// it, a failed catch-up is retried whole. Expected errors: kInvalidArgument (not a
/// postgresql:// URL), kUnavailable (cannot connect).
Result<std::unique_ptr<EventListener>> ListenForEvents(const std::string& url, EventNotice on_event,
                                                       CatchUpNotice on_catch_up = {},
                                                       CatchUpNotice on_retry = {});

}  // namespace libsync::sql
