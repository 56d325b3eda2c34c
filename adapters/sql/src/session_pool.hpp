#pragma once
// The connections a store keeps open, each leased to one transaction at a time, and
// replaced when the server closed it (docs/storage.md, "Outages").

#include <condition_variable>
#include <functional>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "libsync/status.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync::sql {

/// A small pool of connections that replaces broken ones; each transaction leases one
/// for its duration.
class SessionPool {
 public:
  using Opener = std::function<Connection()>;
  SessionPool(std::vector<Connection> connections, Opener open)
      : connections_(std::move(connections)), open_(std::move(open)) {}

  /// Returns the connection to the pool when destroyed.
  class Lease {
   public:
    Lease(SessionPool& pool, Connection c) : pool_(pool), connection_(std::move(c)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Return(std::move(connection_)); }

    Connection& operator*() { return connection_; }
    Connection* operator->() { return &connection_; }

    /// Makes sure the connection can be used: one marked broken, or idle for a while
    /// and hung up by the server meanwhile (a readable socket: a restart or
    /// pg_terminate_backend closed it), is replaced by a new one first. A cheap check: a
    /// poll of the socket, no round trip. Expected errors: kUnavailable (the database
    /// cannot be reached now; further attempts are spaced by a short interval).
    Status MakeUsable();

   private:
    SessionPool& pool_;
    Connection connection_;
  };

  /// Waits until a connection is free.
  Lease Acquire();

 private:
  void Return(Connection c);

  Mutex mutex_;
  std::condition_variable_any available_;
  std::vector<Connection> connections_ LIBSYNC_GUARDED_BY(mutex_);
  Opener open_;
};

}  // namespace libsync::sql
