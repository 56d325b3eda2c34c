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

/// Connects to the PostgreSQL database at `url` and calls `on_event` for every event
/// committed there from then on. A lost connection is re-established with backoff (events
/// committed meanwhile are picked up at the next notice, from the event log).
/// Expected errors: kInvalidArgument (not a postgresql:// URL), kUnavailable (cannot connect).
Result<std::unique_ptr<EventListener>> ListenForEvents(const std::string& url, EventNotice on_event);

}  // namespace libsync::sql
