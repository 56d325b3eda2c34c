#include "session_pool.hpp"

#include <poll.h>

#include <utility>

#include "error_mapping.hpp"

namespace libsync::sql {
namespace {

// Checked without a round trip after this much idleness; a busy connection's failure
// shows on its next statement instead, and the store retries on a fresh one.
constexpr auto kIdleCheckAfter = std::chrono::seconds(1);
// While the database is down, each connection tries to reopen at most this often, so a
// burst of requests gets its 503s at once instead of each waiting on a connect.
constexpr auto kReopenInterval = std::chrono::milliseconds(100);

// An idle connection has nothing to read unless the server wrote to it on its own: the
// error it sends as it terminates the session, or the end of the stream. Either way the
// connection is finished.
bool ServerHungUp(PGconn* conn) {
  pollfd fd{PQsocket(conn), POLLIN, 0};
  return fd.fd < 0 || poll(&fd, 1, 0) != 0;
}

}  // namespace

Status SessionPool::Lease::MakeUsable() {
  Connection& c = connection_;
  if (!c.pg) return Status::Ok();  // a SQLite file does not hang up
  const auto now = std::chrono::steady_clock::now();
  if (!c.broken && !c.Lost() && (now - c.last_used < kIdleCheckAfter || !ServerHungUp(c.pg.get()))) {
    return Status::Ok();
  }
  c.broken = true;
  if (now < c.next_reopen) return Status::Unavailable("database unavailable: reconnecting", "sql/08006");
  try {
    Connection fresh = pool_.open_();
    c = std::move(fresh);
    return Status::Ok();
  } catch (const std::exception& e) {
    c.next_reopen = now + kReopenInterval;
    const Status mapped = MapSqlError(e).status;
    // Whatever the server said while refusing, this call could not reach the database.
    if (mapped.code() == ErrorCode::kUnavailable) return mapped;
    return Status::Unavailable("database unavailable: " + mapped.message(), mapped.origin());
  }
}

SessionPool::Lease SessionPool::Acquire() {
  MutexLock lock(mutex_);
  available_.wait(lock, [&]() LIBSYNC_REQUIRES(mutex_) { return !connections_.empty(); });
  Connection c = std::move(connections_.back());
  connections_.pop_back();
  return Lease(*this, std::move(c));
}

void SessionPool::Return(Connection c) {
  c.last_used = std::chrono::steady_clock::now();
  {
    MutexLock lock(mutex_);
    connections_.push_back(std::move(c));
  }
  available_.notify_one();
}

}  // namespace libsync::sql
