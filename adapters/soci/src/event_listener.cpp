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
  PgEventListener(std::string connect_string, EventNotice on_event)
      : connect_string_(std::move(connect_string)), on_event_(std::move(on_event)), wake_(eventfd(0, EFD_CLOEXEC)) {}

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
    thread_ = std::thread([this] { Run(); });
  }

 private:
  void Run() {
    auto backoff = std::chrono::milliseconds(100);
    while (!stopping_) {
      if (PQstatus(conn_) != CONNECTION_OK && !Reconnect(backoff)) continue;
      pollfd fds[2] = {{PQsocket(conn_), POLLIN, 0}, {wake_, POLLIN, 0}};
      if (poll(fds, 2, 1000) < 0 || stopping_) continue;
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (PQconsumeInput(conn_) == 0) continue;  // the connection broke: PQstatus says so
      while (PGnotify* n = PQnotifies(conn_)) {
        Deliver(n->extra);
        PQfreemem(n);
      }
    }
  }

  bool Reconnect(std::chrono::milliseconds& backoff) {
    if (Connect().ok()) {
      backoff = std::chrono::milliseconds(100);
      return true;
    }
    pollfd wake{wake_, POLLIN, 0};
    poll(&wake, 1, static_cast<int>(backoff.count()));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    return false;
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
  int wake_;
  PGconn* conn_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<EventListener>> ListenForEvents(const std::string& url, EventNotice on_event) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  if (target.dialect != Dialect::kPostgres) {
    return Status::InvalidArgument("event notifications need a postgresql:// database");
  }
  auto listener = std::make_unique<PgEventListener>(target.connect_string, std::move(on_event));
  LIBSYNC_RETURN_IF_ERROR(listener->Connect());
  listener->Start();
  return std::unique_ptr<EventListener>(std::move(listener));
}

}  // namespace libsync::sql
