#pragma once
// EventRelay: brings events committed by other processes sharing the database to this
// process's subscribers. Placed in front of the real sink, it keeps, per project, the newest seq
// this process has published, and publishes every project's events to the sink exactly
// once and in seq order: whatever it is told about (its own commits through Publish,
// another process's through OnRemoteEvent, e.g. from PostgreSQL NOTIFY) it fills in from
// the event log, so a lost or late notice never leaves a hole. Notices are only the
// wake-up; the log is the source.
//
// When the log cannot be read (the database briefly unreachable), nothing is skipped: a
// project's published seq stays at the last one published without a hole, and its later
// events wait in the log -- where they are committed already, so no copy is held in
// memory -- until a read succeeds (RetryFailed, CatchUp, or the project's next event or
// notice), and then go out in seq order.
//
// A deleted project takes its event log with it, so its `project:deleted` cannot be read
// back: when a log read finds the project gone, the relay publishes a `project:deleted` of
// its own (seq one past the last published, payload {"deletedBy":null}: who deleted it is
// not known here), once per project.

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>

#include "libsync/event_service.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/event_sink.hpp"
#include "libsync/project_service.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

/// An EventSink in the event path, in front of `next`. SyncService builds one when asked
/// (EventPathOptions::relay_remote_events); the adapter that hears other processes'
/// notices (sql::ListenForEvents) calls OnRemoteEvent, CatchUp and RetryFailed.
class EventRelay final : public EventSink {
 public:
  /// Reads the projects and their logs through `projects` and `events` (as the admin);
  /// publishes to `next`; `clock` stamps the deletions it publishes itself. All must
  /// outlive the relay; only the references are kept here, so the services may be
  /// constructed after the relay.
  EventRelay(ProjectService& projects, EventService& events, Clock& clock, EventSink& next)
      : projects_(projects), events_(events), clock_(clock), next_(next) {}

  /// Notes every project's newest event as published: only later events are relayed, and
  /// a project the relay meets later (created since) is relayed from its first event.
  /// Call once, before the listener starts. Expected errors: those of reading the
  /// projects and their heads (kUnavailable).
  Status StartAtHeads();

  /// Publishes what this process has not published yet: events older than a gap in
  /// seqs first (read from the log), never one a second time. When the gap cannot be read
  /// now, the event is not published yet either: the project is left for RetryFailed,
  /// which publishes the gap and the event, in order. Thread-safe.
  void Publish(std::span<const Event> events) noexcept override;

  /// Another process committed event `seq` of `project_id`: publish what this process has
  /// not yet published, up to the log's head. Thread-safe; a log that cannot be read now
  /// is left for RetryFailed (a deleted project has nothing more to relay).
  void OnRemoteEvent(const std::string& project_id, std::int64_t seq);

  /// Notices may have been lost (the listener's connection dropped): publishes, for every
  /// project, every event after the last one published, up to the log's head. Returns
  /// false when some project's log could not be read: those projects (and only those)
  /// are left for RetryFailed. Thread-safe.
  bool CatchUp();

  /// Reads again, up to the head, the logs that could not be read before (a gap Publish
  /// could not fill, a notice's read, a CatchUp's), and publishes what they hold. Returns
  /// true when nothing is left to read; costs no store access then, so it may be called
  /// on every idle tick. Call it again later (with a backoff) while it returns false.
  /// Thread-safe.
  bool RetryFailed();

 private:
  /// The newest seq published for `project_id`, recorded on first sight: 0 once
  /// StartAtHeads ran (the project is new since), else `first_seen - 1`.
  std::int64_t& Published(const std::string& project_id, std::int64_t first_seen) LIBSYNC_REQUIRES(mutex_);
  /// Publishes the project's events after the published one from the log, up to `upto`
  /// (or the head, when negative). False when the log could not be read.
  bool RelayFromLog(const std::string& project_id, std::int64_t upto) LIBSYNC_REQUIRES(mutex_);
  /// RetryFailed with the mutex held.
  bool RetryFailedLocked() LIBSYNC_REQUIRES(mutex_);
  /// The project is gone: publishes `deletion` (or, when null, a project:deleted of the
  /// relay's own) unless one went out already, and forgets the project.
  void PublishDeletion(const std::string& project_id, const Event* deletion) LIBSYNC_REQUIRES(mutex_);

  ProjectService& projects_;
  EventService& events_;
  Clock& clock_;
  EventSink& next_;
  // Serializes publishing, so each project's events go out in order. Held while the log
  // is read: a gap, a notice from elsewhere, a catch-up after the listener reconnected,
  // and a retry of only the projects whose read failed (paced by the caller's backoff);
  // never by a thread that holds a store connection.
  Mutex mutex_;
  std::map<std::string, std::int64_t, std::less<>> published_ LIBSYNC_GUARDED_BY(mutex_);
  // Projects whose log must still be read up to the head: a read failed, so events may
  // be waiting there unpublished.
  std::set<std::string, std::less<>> unread_ LIBSYNC_GUARDED_BY(mutex_);
  // Projects whose project:deleted went out: their later notices are stale. Ids are never
  // reused, and deletions are rare admin acts, so the set stays small.
  std::set<std::string, std::less<>> deleted_ LIBSYNC_GUARDED_BY(mutex_);
  // A catch-up could not list the projects: projects created meanwhile are unknown yet.
  bool projects_unlisted_ LIBSYNC_GUARDED_BY(mutex_) = false;
  bool started_at_heads_ LIBSYNC_GUARDED_BY(mutex_) = false;
};

}  // namespace libsync
