#include "libsync/sql/event_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <thread>

#include "connection.hpp"

namespace libsync::sql {
namespace {

constexpr const char* kChannel = "libsync_events";

class PgEventListener final : public EventListener {
 public:
  PgEventListener(std::string connect_string, EventNotice on_event, CatchUpNotice on_catch_up)
      : connect_string_(std::move(connect_string)),
        on_event_(std::move(on_event)),
        on_catch_up_(std::move(on_catch_up)),
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
    return Status::Ok();
  }

  void Start() {
    // Events committed between the consumer's start (EventRelay::StartAtHeads) and this
    // LISTEN sent notices nobody heard: catch up once now, too.
    catch_up_due_ = static_cast<bool>(on_catch_up_);
    thread_ = std::thread([this] { Run(); });
  }

 private:
  void Run() {
    auto backoff = kFirstBackoff;
    while (!stopping_) {
      if (PQstatus(conn_) != CONNECTION_OK) {
        if (!Reconnect(backoff)) continue;
        catch_up_due_ = true;  // notices sent while we were away are lost
      }
      if (catch_up_due_) catch_up_due_ = on_catch_up_ && !CatchUp();
      pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_, POLLIN, 0}};
      // A catch-up that failed is tried again soon; otherwise the wait only bounds how
      // long a stop takes to be seen.
      if (poll(fds, 2, catch_up_due_ ? 100 : 1000) < 0 || stopping_) continue;
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (PQconsumeInput(conn_) == 0) continue;  // the connection broke: PQstatus says so
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

  bool CatchUp() {
    try {
      return on_catch_up_();
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
  bool catch_up_due_ = false;
  int wake_;
  PGconn* conn_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<EventListener>> ListenForEvents(const std::string& url, EventNotice on_event,
                                                       CatchUpNotice on_catch_up) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  if (target.dialect != Dialect::kPostgres) {
    return Status::InvalidArgument("event notifications need a postgresql:// database");
  }
  auto listener = std::make_unique<PgEventListener>(target.connect_string, std::move(on_event), std::move(on_catch_up));
  LIBSYNC_RETURN_IF_ERROR(listener->Connect());
  listener->Start();
  return std::unique_ptr<EventListener>(std::move(listener));
}

}  // namespace libsync::sql
