#pragma once
// Brings events committed by other processes sharing the database to this process's
// subscribers. Placed in front of the real sink, it notes the newest seq this process has
// published per project; told that another process committed seq N of a project
// (OnRemoteEvent, e.g. from PostgreSQL NOTIFY), it reads the missing events from the
// event log and publishes them, once and in order.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "libsync/ports/event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync {

class EventRelay final : public EventSink {
 public:
  explicit EventRelay(EventSink& next) : next_(next) {}

  /// The service whose event log is read. Must be called before OnRemoteEvent.
  void Bind(SyncService& sync) { sync_ = &sync; }

  /// Records the seqs, then forwards.
  void Publish(std::span<const Event> events) noexcept override;

  /// Another process committed event `seq` of `project_id`: publish what this process has
  /// not yet published, up to it. Thread-safe; errors (a deleted project, a trimmed log)
  /// are dropped, as the next notice or a client's resume covers them.
  void OnRemoteEvent(const std::string& project_id, std::int64_t seq);

 private:
  EventSink& next_;
  SyncService* sync_ = nullptr;
  std::mutex mutex_;  // serializes relays, so each project's events go out in order
  std::map<std::string, std::int64_t, std::less<>> published_;
};

}  // namespace libsync
