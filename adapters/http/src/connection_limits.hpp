#pragma once
// How many connections and event streams the server holds, and who holds the streams, so
// that no one client (one remote address, one credential) can make it refuse everyone else.
//
// Request connections and event streams have caps of their own: a stream lasts as long as
// its subscriber likes, a request connection only while it asks. A connection that becomes
// a stream leaves the connection count. Request connections are also capped per remote
// address (a client mid-request, e.g. trickling a body, cannot be shed), and streams per
// remote address and per credential (an API key, or the admin token). Connections waiting
// for a request are shed oldest first when the connection count nears its cap
// (IdleConnections, the server). Counting happens when a connection or stream opens and
// closes, never per request.

#include <atomic>
#include <cstddef>
#include <map>
#include <string>

#include "libsync/status.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync::web {

struct ConnectionCaps {
  std::size_t connections = 0;             ///< request connections (streams not included)
  std::size_t connections_per_address = 0;  ///< request connections from one remote address
  std::size_t streams = 0;                 ///< event streams, SSE and WebSocket
  std::size_t streams_per_address = 0;     ///< from one remote address
  std::size_t streams_per_credential = 0;  ///< under one API key, or the admin token

  /// Connections shed while waiting for a request once this many are open: an eighth
  /// below the cap, so that a new client usually finds room without a 503.
  std::size_t shed_mark() const { return connections - connections / 8; }
};

/// The caps actually used: the options', each within what `file_limit` descriptors can
/// hold. What the limit leaves after ReservedFiles is split between connections and
/// streams (half each at most, so neither can starve the other of descriptors); the
/// per-client caps are at most half the cap they divide, so one client never holds
/// them all. Every cap is at least 1.
ConnectionCaps DeriveCaps(const ConnectionCaps& wanted, std::size_t file_limit);

/// Thread-safe.
class ConnectionLimits {
 public:
  explicit ConnectionLimits(ConnectionCaps caps) : caps_(caps) {}

  const ConnectionCaps& caps() const { return caps_; }

  /// A new request connection; false at the cap (the caller refuses it).
  bool TryOpenConnection();
  /// A connection counted even at the cap: one that moved to another thread (counted
  /// again, released twice).
  void OpenConnectionAnyway() { connections_.fetch_add(1, std::memory_order_relaxed); }
  /// A request connection from `address`, before TryOpenConnection; false when the address
  /// holds its cap (the caller refuses it with 429). On success the caller owns one
  /// CloseFromAddress with the same address, also when TryOpenConnection then fails.
  bool TryOpenFromAddress(const std::string& address);
  void CloseFromAddress(const std::string& address);
  void CloseConnection() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  std::size_t connections() const { return connections_.load(std::memory_order_relaxed); }
  /// Whether to shed a connection waiting for a request before taking another.
  bool ShouldShed() const { return connections() >= caps_.shed_mark(); }

  /// A stream for a subscriber at `address` with `credential`. kUnavailable (503) at the
  /// server's stream cap; kRateLimited (429) at the address's or the credential's. On
  /// success the caller owns one CloseStream with the same arguments.
  Status OpenStream(const std::string& address, const std::string& credential);
  void CloseStream(const std::string& address, const std::string& credential);
  std::size_t streams() const;

 private:
  const ConnectionCaps caps_;
  std::atomic<std::size_t> connections_{0};
  mutable Mutex mutex_;
  std::size_t streams_ LIBSYNC_GUARDED_BY(mutex_) = 0;
  std::map<std::string, std::size_t, std::less<>> connections_by_address_ LIBSYNC_GUARDED_BY(mutex_);
  std::map<std::string, std::size_t, std::less<>> by_address_ LIBSYNC_GUARDED_BY(mutex_);
  std::map<std::string, std::size_t, std::less<>> by_credential_ LIBSYNC_GUARDED_BY(mutex_);
};

}  // namespace libsync::web
