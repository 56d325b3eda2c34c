#pragma once
// EventService: reading a project's durable event log, for subscribers that connect or
// reconnect with the last seq they saw.

#include <cstdint>
#include <string_view>

#include "libsync/caller.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

/// Reading a project's event log, for subscribers that (re)connect. Thread-safe.
class EventService {
 public:
  explicit EventService(const ServiceContext& ctx) : ctx_(ctx) {}

  /// Events with seq > `after_seq` (at most ServiceOptions::max_event_page), with the
  /// log's bounds. Expected errors: kGone (events after `after_seq` were dropped from the
  /// retained log, or `after_seq` is past the head: re-list, then read from the head),
  /// kNotFound.
  Result<EventPage> Since(const Caller& caller, std::string_view project_id,
                          std::int64_t after_seq);

  /// The project's latest seq (0 before any event), for a subscriber starting live.
  /// Expected errors: kNotFound.
  Result<std::int64_t> Head(const Caller& caller, std::string_view project_id);

 private:
  const ServiceContext& ctx_;
};

}  // namespace libsync
