#pragma once
// Tells the servers that LISTEN on a PostgreSQL database (sql::ListenForEvents) that events
// were committed, with NOTIFY libsync_events '<projectId>:<seq>'. One per PostgreSQL store,
// on a connection of its own, after the writers' commits rather than inside them: a
// transaction that notifies takes PostgreSQL's database-wide notification lock at commit
// and holds it until its commit ends, so when every writer notified, every writer's commit
// queued on that one lock (docs/storage.md, "Event notices").

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <thread>

#include "connection.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync::sql {

/// The newest event a transaction appended to one project's log.
struct EventHead {
  std::string project_id;
  std::int64_t seq = 0;
};

/// Sends, for every commit since its last send, one statement that notifies each project
/// whose log moved once, with its newest seq: the listeners' consumer (EventRelay) reads
/// the log after the seq it published last, so one notice covers every event before it.
/// At most one send is in flight, and sends start at least 5 ms apart; commits that arrive
/// meanwhile go into the next. An idle notifier sends at once.
///
/// A notice that cannot be sent (the database unreachable) is kept and sent again, 100 ms
/// later doubling to 2 s; one the server refuses is dropped. A notice lost either way, or
/// with the process, is made up for on the listening side, whose head sweep reads every
/// project's newest seq each second (event_listener.hpp).
///
/// Thread safety: Committed may be called from any thread.
class PgEventNotifier {
 public:
  /// `connect_string`: libpq keywords (Target::connect_string). Connects on the first send.
  explicit PgEventNotifier(std::string connect_string);
  /// Sends what is pending, so a process that exits normally loses no notice, then stops.
  /// Bounded: one connect attempt (libpq's connect_timeout, 5 s by default) and 2 s for the
  /// server's answer; what cannot be sent then is left to the listeners' head sweep.
  ~PgEventNotifier();
  PgEventNotifier(const PgEventNotifier&) = delete;
  PgEventNotifier& operator=(const PgEventNotifier&) = delete;

  /// A transaction that appended `events` committed. Never waits on the database.
  void Committed(std::span<const EventHead> events);

 private:
  using Clock = std::chrono::steady_clock;
  /// Newest seq per project, not yet sent.
  using Notices = std::map<std::string, std::int64_t, std::less<>>;
  enum class Sent { kYes, kRefused, kConnectionFailed };

  void Run();
  /// One statement notifying every project in `notices`, answered within `within`;
  /// (re)connects first when needed.
  Sent Send(const Notices& notices, std::chrono::milliseconds within);
  Sent SendOn(PGconn* conn, const Notices& notices, std::chrono::milliseconds within);
  bool Connect();
  /// Kept for the next send, unless a newer seq of the same project is there already.
  static void Merge(Notices& into, const Notices& from);

  const std::string connect_string_;
  PgConn conn_;  // the notifier thread's alone

  Mutex mutex_;
  std::condition_variable_any wake_;  // notices are pending, or the notifier is stopping
  Notices pending_ LIBSYNC_GUARDED_BY(mutex_);
  bool stopping_ LIBSYNC_GUARDED_BY(mutex_) = false;
  bool idle_ LIBSYNC_GUARDED_BY(mutex_) = false;  // waiting for notices: Committed wakes it
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace libsync::sql
