#pragma once
// Brings events committed by other processes sharing the database to this process's
// subscribers. Placed in front of the real sink, it keeps, per project, the newest seq
// this process has published, and publishes every project's events to the sink exactly
// once and in seq order: whatever it is told about (its own commits through Publish,
// another process's through OnRemoteEvent, e.g. from PostgreSQL NOTIFY) it fills in from
// the event log, so a lost or late notice never leaves a hole. Notices are only the
// wake-up; the log is the source.

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>

#include "libsync/ports/event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync {

class EventRelay final : public EventSink {
 public:
  explicit EventRelay(EventSink& next) : next_(next) {}

  /// The service whose event log is read. Must be called before anything else but
  /// Publish (which, until then, only filters what was published already).
  void Bind(SyncService& sync) { sync_ = &sync; }

  /// Notes every project's newest event as published: only later events are relayed, and
  /// a project the relay meets later (created since) is relayed from its first event.
  /// Call once, after Bind and before the listener starts. Expected errors: those of
  /// reading the projects and their heads (kUnavailable).
  Status StartAtHeads();

  /// Publishes what this process has not published yet: events older than a gap in
  /// seqs first (read from the log), never one a second time. Thread-safe.
  void Publish(std::span<const Event> events) noexcept override;

  /// Another process committed event `seq` of `project_id`: publish what this process has
  /// not yet published, up to the log's head. Thread-safe; errors (a deleted project, a
  /// database that cannot be read now) are dropped, as the next notice or a client's
  /// resume covers them.
  void OnRemoteEvent(const std::string& project_id, std::int64_t seq);

  /// Notices may have been lost (the listener's connection dropped): publishes, for every
  /// project, every event after the last one published, up to the log's head. Returns
  /// false when some project's log could not be read (call again later); thread-safe.
  bool CatchUp();

 private:
  /// The newest seq published for `project_id`, recorded on first sight: 0 once
  /// StartAtHeads ran (the project is new since), else `first_seen - 1`.
  std::int64_t& Published(const std::string& project_id, std::int64_t first_seen);
  /// Publishes the project's events after the published one from the log, up to `upto`
  /// (or the head, when negative). False when the log could not be read.
  bool RelayFromLog(const std::string& project_id, std::int64_t upto);

  EventSink& next_;
  SyncService* sync_ = nullptr;
  // Serializes publishing, so each project's events go out in order. Held while the log
  // is read: rare (a gap, a notice from elsewhere), and never by a thread that holds a
  // store connection.
  std::mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> published_;
  bool started_at_heads_ = false;
};

}  // namespace libsync
