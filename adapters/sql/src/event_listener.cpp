#include "libsync/sql/event_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <thread>

#include "database_url.hpp"

namespace libsync::sql {
namespace {

constexpr const char* kChannel = "libsync_events";

class PgEventListener final : public EventListener {
 public:
  PgEventListener(std::string connect_string, EventNotice on_event, CatchUpNotice on_catch_up,
                  CatchUpNotice on_retry)
      : connect_string_(std::move(connect_string)),
        on_event_(std::move(on_event)),
        on_catch_up_(std::move(on_catch_up)),
        on_retry_(std::move(on_retry)),
        wake_(eventfd(0, EFD_CLOEXEC)) {}

  ~PgEventListener() override {
    stopping_ = true;
    const std::uint64_t one = 1;
    (void)!write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    if (conn_) PQfinish(conn_);
    close(wake_);
  }

  Status Connect() {
    if (conn_) PQfinish(conn_);
    conn_ = PQconnectdb(connect_string_.c_str());
    // The server's own messages (a WARNING as it shuts down, a terminated session's
    // FATAL) would go to stderr; the lost connection is what counts, and is handled.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Status::Unavailable("cannot listen for events: " + std::string(PQerrorMessage(conn_)), "libpq");
    }
    PGresult* r = PQexec(conn_, (std::string("LISTEN ") + kChannel).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return Status::Unavailable("LISTEN failed: " + std::string(PQerrorMessage(conn_)), "libpq");
    last_heard_ = Clock::now();
    probe_sent_ = false;
    return Status::Ok();
  }

  void Start() {
    // Events committed between the consumer's start (EventRelay::StartAtHeads) and this
    // LISTEN sent notices nobody heard: catch up once now, too.
    catch_up_due_ = static_cast<bool>(on_catch_up_);
    thread_ = std::thread([this] { Run(); });
  }

 private:
  using Clock = std::chrono::steady_clock;

  void Run() {
    auto backoff = kFirstBackoff;
    while (!stopping_) {
      if (PQstatus(conn_) != CONNECTION_OK) {
        if (!Reconnect(backoff)) continue;
        catch_up_due_ = true;  // notices sent while we were away are lost
      }
      RunCatchUpIfDue();
      if (!CheckLiveness()) continue;
      pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_, POLLIN, 0}};
      if (poll(fds, 2, WaitMillis()) < 0 || stopping_) continue;
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (PQconsumeInput(conn_) == 0) continue;  // the connection broke: PQstatus says so
      last_heard_ = Clock::now();
      ReadProbeReply();
      while (PGnotify* n = PQnotifies(conn_)) {
        Deliver(n->extra);
        PQfreemem(n);
      }
    }
  }

  // While the database is down, attempts are spaced 50 ms doubling to 400 ms: once it is
  // back, events flow again within half a second.
  static constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
  static constexpr auto kMaxBackoff = std::chrono::milliseconds(400);
  // A catch-up that failed is retried after 100 ms, doubling to 5 s: a log that keeps
  // failing costs one read of the failed projects every 5 s, not every 100 ms.
  static constexpr auto kFirstRetry = std::chrono::milliseconds(100);
  static constexpr auto kMaxRetry = std::chrono::milliseconds(5000);
  // Once caught up, the consumer's retry (cheap when nothing failed) still runs this
  // often, for reads that failed outside a catch-up (a gap in the consumer's own events).
  static constexpr auto kRetrySweep = std::chrono::seconds(1);
  // A connection silent this long is asked an empty query; no answer within the reply
  // bound means the server or the path to it is gone without a word (a partition, a
  // failover): the connection is dropped, reconnected and caught up, within 10 s.
  static constexpr auto kProbeAfterSilence = std::chrono::seconds(5);
  static constexpr auto kProbeReplyWithin = std::chrono::seconds(5);

  bool Reconnect(std::chrono::milliseconds& backoff) {
    if (Connect().ok()) {
      backoff = kFirstBackoff;
      return true;
    }
    pollfd wake{wake_, POLLIN, 0};
    poll(&wake, 1, static_cast<int>(backoff.count()));
    backoff = std::min(backoff * 2, kMaxBackoff);
    return false;
  }

  // After each (re)connect the whole catch-up; then, while it has failed, the retry
  // (only what failed) with a growing backoff; once done, the retry as a slow sweep.
  void RunCatchUpIfDue() {
    const auto now = Clock::now();
    bool done = true;
    if (catch_up_due_) {
      catch_up_due_ = false;
      done = Call(on_catch_up_);
    } else if (now >= next_retry_ && (retrying_ || on_retry_)) {
      done = Call(on_retry_ ? on_retry_ : on_catch_up_);
    } else {
      return;
    }
    retrying_ = !done;
    if (done) {
      retry_backoff_ = kFirstRetry;
      next_retry_ = Clock::now() + kRetrySweep;
    } else {
      next_retry_ = Clock::now() + retry_backoff_;
      retry_backoff_ = std::min(retry_backoff_ * 2, kMaxRetry);
    }
  }

  // Sends the probe after a silence, and drops a connection whose probe went
  // unanswered. False when the connection was dropped.
  bool CheckLiveness() {
    const auto now = Clock::now();
    if (probe_sent_) {
      if (now - probe_sent_at_ < kProbeReplyWithin) return true;
    } else {
      if (now - last_heard_ < kProbeAfterSilence) return true;
      // An empty query: the cheapest round trip, answered by any live backend.
      if (PQsendQuery(conn_, "") == 1) {
        probe_sent_ = true;
        probe_sent_at_ = now;
        return true;
      }
    }
    PQfinish(conn_);  // PQstatus(nullptr) is CONNECTION_BAD: Run reconnects
    conn_ = nullptr;
    return false;
  }

  void ReadProbeReply() {
    while (probe_sent_ && PQisBusy(conn_) == 0) {
      PGresult* r = PQgetResult(conn_);
      if (!r) probe_sent_ = false;  // the probe's results are all in
      PQclear(r);
    }
  }

  // How long poll may wait: a stop is seen within a second, and neither a due retry nor
  // the probe is late.
  int WaitMillis() const {
    const auto now = Clock::now();
    auto until = now + std::chrono::seconds(1);
    if (retrying_ || on_retry_) until = std::min(until, next_retry_);
    until = std::min(until, probe_sent_ ? probe_sent_at_ + kProbeReplyWithin : last_heard_ + kProbeAfterSilence);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    return static_cast<int>(std::max<std::int64_t>(ms, 0) + 1);
  }

  bool Call(const CatchUpNotice& notice) {
    if (!notice) return true;
    try {
      return notice();
    } catch (...) {
      return false;  // tried again shortly
    }
  }

  // "<projectId>:<seq>"; anything else on the channel is not ours and is ignored.
  void Deliver(std::string_view payload) {
    const auto colon = payload.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return;
    std::int64_t seq = 0;
    const std::string_view digits = payload.substr(colon + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), seq).ptr != digits.data() + digits.size()) return;
    try {
      on_event_(std::string(payload.substr(0, colon)), seq);
    } catch (...) {
      // A failing consumer must not end the listener: the next notice retries from the log.
    }
  }

  std::string connect_string_;
  EventNotice on_event_;
  CatchUpNotice on_catch_up_;
  CatchUpNotice on_retry_;
  bool catch_up_due_ = false;
  bool retrying_ = false;
  std::chrono::milliseconds retry_backoff_ = kFirstRetry;
  Clock::time_point next_retry_ = Clock::now();
  Clock::time_point last_heard_ = Clock::now();
  bool probe_sent_ = false;
  Clock::time_point probe_sent_at_;
  int wake_;
  PGconn* conn_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<EventListener>> ListenForEvents(const std::string& url, EventNotice on_event,
                                                       CatchUpNotice on_catch_up, CatchUpNotice on_retry) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  if (target.dialect != Dialect::kPostgres) {
    return Status::InvalidArgument("event notifications need a postgresql:// database");
  }
  auto listener = std::make_unique<PgEventListener>(target.connect_string, std::move(on_event), std::move(on_catch_up),
                                                    std::move(on_retry));
  LIBSYNC_RETURN_IF_ERROR(listener->Connect());
  listener->Start();
  return std::unique_ptr<EventListener>(std::move(listener));
}

}  // namespace libsync::sql
