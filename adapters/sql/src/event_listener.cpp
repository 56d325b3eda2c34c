#include "libsync/sql/event_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "database_url.hpp"

namespace libsync::sql {
namespace {

constexpr const char* kChannel = "libsync_events";
// Every project's newest seq: what the head sweep compares with the notices it heard.
constexpr const char* kReadHeads = R"(SELECT "id", "eventSeq" FROM "Project")";

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
    // The heads as they are now, once listening: later sweeps report a head that moved
    // beyond them without a notice. Taken before the first catch-up runs, so an event
    // committed before this read is the catch-up's, and one after it the sweep's. (Only
    // the first time: after a reconnect the heads heard so far still hold.)
    if (!heads_known_) {
      PGresult* heads = PQexec(conn_, kReadHeads);
      ReadHeads(heads);
      PQclear(heads);
    }
    query_sent_ = false;
    next_sweep_ = Clock::now() + kSweepEvery;
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
      if (!SweepOrCheckLiveness()) continue;
      pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_, POLLIN, 0}};
      if (poll(fds, 2, WaitMillis()) < 0 || stopping_) continue;
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (PQconsumeInput(conn_) == 0) continue;  // the connection broke: PQstatus says so
      while (PGnotify* n = PQnotifies(conn_)) {
        Deliver(n->extra);
        PQfreemem(n);
      }
      ReadSweepReply();
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
  // Every project's head is read this often. A notice can be lost: the notifier of the
  // process that committed died before sending it, or the server refused it. A head that
  // moved beyond every notice heard is then reported as a notice, so the consumer reads
  // the event from the log within about a second anyway.
  static constexpr auto kSweepEvery = std::chrono::seconds(1);
  // The sweep is also the connection's liveness probe: no answer within this bound means
  // the server or the path to it is gone without a word (a partition, a failover): the
  // connection is dropped, reconnected and caught up, within about 6 s.
  static constexpr auto kReplyWithin = std::chrono::seconds(5);

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

  // Sends the head sweep when it is due, and drops a connection whose sweep went
  // unanswered. False when the connection was dropped.
  bool SweepOrCheckLiveness() {
    const auto now = Clock::now();
    if (query_sent_) {
      if (now - query_sent_at_ < kReplyWithin) return true;
    } else {
      if (now < next_sweep_) return true;
      if (PQsendQuery(conn_, kReadHeads) == 1) {
        query_sent_ = true;
        query_sent_at_ = now;
        next_sweep_ = now + kSweepEvery;
        return true;
      }
    }
    PQfinish(conn_);  // PQstatus(nullptr) is CONNECTION_BAD: Run reconnects
    conn_ = nullptr;
    return false;
  }

  void ReadSweepReply() {
    while (query_sent_ && PQisBusy(conn_) == 0) {
      PGresult* r = PQgetResult(conn_);
      if (!r) {
        query_sent_ = false;  // the sweep's results are all in
        break;
      }
      ReadHeads(r);
      PQclear(r);
    }
  }

  // A sweep's rows: each project whose head moved beyond the newest seq heard for it is
  // reported, as is a project that is gone (its notice may be what was lost), with a seq
  // past the last heard. The first rows read are taken as they are. A failed read (no
  // table yet, no right to read it) changes nothing: the next sweep tries again.
  void ReadHeads(const PGresult* r) {
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 2) return;
    std::map<std::string, std::int64_t, std::less<>> moved;
    std::set<std::string, std::less<>> present;
    for (int row = 0; row < PQntuples(r); ++row) {
      std::string id(PQgetvalue(r, row, 0), static_cast<std::size_t>(PQgetlength(r, row, 0)));
      const std::string_view digits(PQgetvalue(r, row, 1), static_cast<std::size_t>(PQgetlength(r, row, 1)));
      std::int64_t head = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), head);
      auto [it, added] = heard_.try_emplace(id, head);
      if (heads_known_ && head > (added ? 0 : it->second)) moved.emplace(id, head);
      it->second = std::max(it->second, head);
      present.insert(std::move(id));
    }
    for (auto it = heard_.begin(); it != heard_.end();) {
      if (present.count(it->first) != 0) {
        ++it;
        continue;
      }
      if (heads_known_) moved.emplace(it->first, it->second + 1);
      it = heard_.erase(it);
    }
    heads_known_ = true;
    for (const auto& [project, seq] : moved) Notify(project, seq);
  }

  // How long poll may wait: a stop is seen within a second, and neither a due retry nor
  // the sweep (or its answer) is late.
  int WaitMillis() const {
    const auto now = Clock::now();
    auto until = now + std::chrono::seconds(1);
    if (retrying_ || on_retry_) until = std::min(until, next_retry_);
    until = std::min(until, query_sent_ ? query_sent_at_ + kReplyWithin : next_sweep_);
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
    std::string project(payload.substr(0, colon));
    auto [it, added] = heard_.try_emplace(project, seq);
    if (!added) it->second = std::max(it->second, seq);
    Notify(project, seq);
  }

  void Notify(const std::string& project, std::int64_t seq) {
    try {
      on_event_(project, seq);
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
  // The newest seq per project, from notices and sweeps; valid once heads_known_.
  std::map<std::string, std::int64_t, std::less<>> heard_;
  bool heads_known_ = false;
  Clock::time_point next_sweep_ = Clock::now();
  bool query_sent_ = false;  // a sweep is out: its answer is awaited
  Clock::time_point query_sent_at_;
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
