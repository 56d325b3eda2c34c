#pragma once
// When an event is the last one a stream carries: the subscriber's own key was revoked, or
// the project was deleted. A new request would be refused then (401, 404), so an open
// stream ends too, right after telling its subscriber why with that very event.

#include <cstdint>
#include <optional>
#include <string_view>

#include "libsync/caller.hpp"
#include "libsync/model/event.hpp"

namespace libsync::web {

struct StreamEnd {
  std::uint16_t close_code;  ///< a WebSocket's: 4000 + the status a new request would get
  std::string_view reason;
};

/// How the stream of `subscriber` ends after `e`, or nullopt when it goes on.
std::optional<StreamEnd> StreamEndAfter(const Event& e, const Caller& subscriber);

}  // namespace libsync::web
