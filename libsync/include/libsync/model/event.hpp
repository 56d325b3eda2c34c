#pragma once
// Event: one committed change of a project, as the event log keeps it and subscribers
// receive it, and the event type names (part of the contract, docs/semantics.md and docs/http.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/timestamp.hpp"

namespace libsync {

/// Event types, as sent to subscribers.
namespace event_type {
inline constexpr std::string_view kLockAcquired = "lock:acquired";
inline constexpr std::string_view kLockExtended = "lock:extended";
inline constexpr std::string_view kLockReleased = "lock:released";
inline constexpr std::string_view kLockExpired = "lock:expired";
inline constexpr std::string_view kDocUpdated = "doc:updated";
inline constexpr std::string_view kDocDeleted = "doc:deleted";
inline constexpr std::string_view kSyncCompleted = "sync:completed";
inline constexpr std::string_view kSyncConflict = "sync:conflict";
/// A git import or export failed once it had begun: {"direction", "code", "error"}.
inline constexpr std::string_view kSyncFailed = "sync:failed";
/// An API key was revoked: {"keyId", "prefix", "revokedBy"}.
inline constexpr std::string_view kKeyRevoked = "key:revoked";
/// The project was deleted, with its docs, lock, keys and event log: {"deletedBy"}. An
/// EventRelay that finds the log gone publishes it with "deletedBy": null.
inline constexpr std::string_view kProjectDeleted = "project:deleted";
}  // namespace event_type

/// A committed change of a project, appended in the same transaction as the change.
/// `seq` increases by one per event within a project; `payload` is a JSON object.
struct Event {
  std::string project_id;
  std::int64_t seq = 0;
  std::string type;
  std::string payload;
  Timestamp created_at{};
};

/// A slice of a project's event log.
struct EventPage {
  std::vector<Event> events;       ///< seq > the requested seq, ascending
  std::int64_t head_seq = 0;       ///< the project's latest seq (0 when none yet)
  std::int64_t oldest_seq = 1;     ///< the oldest seq still retained (head+1 when empty)
};

}  // namespace libsync
