#pragma once
// The HTTP/1.1 and WebSocket server that puts the Api on the network (Boost.Beast; Beast and
// Asio stay in the adapter's src/). Keep-alive, limits on header and body size and on read
// time, a cap on open connections, store work on a worker pool so a slow request never
// stalls the network thread, event streams (SSE and WebSocket), and a graceful stop.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "libsync/http/api.hpp"
#include "libsync/http/event_hub.hpp"

namespace libsync::web {

/// The certificate and key a server offers for HTTPS (docs/tls.md).
struct TlsFiles {
  /// PEM: the server's certificate first, then any intermediates of its chain.
  std::string cert_file;
  /// PEM private key of that certificate, readable by its owner only (mode 0600 or 0400):
  /// a key others on the machine can read is refused.
  std::string key_file;
};

/// Where the server listens, its threads, and its limits (each one's default and reason
/// are in docs/security.md).
struct ServerOptions {
  std::string address = "127.0.0.1";
  /// Set: every connection is HTTPS (TLS 1.2 or 1.3, ALPN http/1.1; WebSocket upgrades are
  /// wss), and a plain HTTP request on the port is answered 400 and closed. Unset: plain
  /// HTTP, with no TLS code on any connection's path.
  std::optional<TlsFiles> tls;
  std::uint16_t port = 3001;  ///< 0 picks a free port (see Server::port)
  int network_threads = 1;
  /// After its last job, a network thread, or the one worker that polls while others are
  /// idle, keeps polling for the next job this long (yielding the CPU to any other runnable
  /// thread between polls) before it sleeps.
  /// A client that sends its next request at once is then answered without a thread
  /// wake-up, which on a virtual machine costs more than answering a hook request, and a
  /// steady stream of store requests is not one worker wake-up each. At most this much
  /// CPU per thread per burst of activity; 0 sleeps at once. 200 µs outlasts a SQLite
  /// commit's fsync here (~130 µs), so the network thread waiting for a write's answer is
  /// still awake when the worker posts it: 50 µs put a lock cycle over HTTP at 0.68× the
  /// same cycle in process, 200 µs at 0.80–0.84× (docs/performance.md).
  std::chrono::microseconds idle_poll{200};
  /// Binds network thread i to the i-th CPU the process may use (wrapping around), as
  /// nginx's worker_cpu_affinity does. Left to the scheduler, two busy network threads
  /// sometimes share one CPU while the client's threads hold the other, and every
  /// connection on them waits a scheduler slice: the tail latency doubles. Worker threads
  /// are never pinned. Off when the process may use one CPU only.
  bool pin_network_threads = false;
  /// When non-zero, the network and worker threads ask the scheduler for time slices of
  /// this length (Linux >= 6.12; 100 us .. 100 ms). Under EEVDF a thread with a short slice
  /// that a request wakes runs soon, instead of waiting out the slice of whatever holds its
  /// CPU (a few ms), which sets the tail latency on a loaded machine (measured in
  /// docs/http.md). 0 leaves the scheduler's default.
  std::chrono::microseconds scheduler_slice{0};
  int worker_threads = 4;  ///< run Api::Handle for store requests, which may block on the store
  /// Run the git sync routes (Api::WaitsOnGitRemote), which hold a thread for as long as a
  /// transfer takes, so they never queue ahead of store requests. A project syncs one at a
  /// time, so eight hung remotes (each cut off by the git timeout) are needed before a
  /// healthy project's sync has to wait; an idle thread costs only its stack.
  int git_threads = 8;
  std::size_t max_body_bytes = 1024 * 1024 + 64 * 1024;  ///< a 1 MiB doc plus its JSON
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds header_timeout{10000};  ///< to receive a request's headers
  std::chrono::milliseconds body_timeout{30000};    ///< to receive its body
  std::chrono::milliseconds idle_timeout{60000};    ///< keep-alive wait for the next request
  /// Open request connections (event streams are counted apart). Near the cap, the
  /// connections that have waited longest for a request are closed to make room; at the
  /// cap, new ones get 503. Lowered to fit the open file limit (see RaiseOpenFileLimit).
  std::size_t max_connections = 1024;
  /// Open request connections from one remote address; more get 429 with Retry-After.
  /// A team behind one office NAT shares an address, and a workstation holds a connection
  /// only while a hook or the CLI asks: half the connection cap leaves such a team far more
  /// than it uses, and the other half to everyone else, whatever one address does (a
  /// client that sends headers and trickles its body is not idle, so shedding does not
  /// reach it). At most half of max_connections. At this cap, the address's own connection
  /// that has waited longest for a request is closed to make room, so one client's pool of
  /// idle keep-alive connections does not shut out the others behind its address.
  std::size_t max_connections_per_address = 512;
  bool access_log = true;  ///< one line per request on stderr: method, path (no query), status, time
  /// Serves the event streams from this hub: GET /api/projects/:id/events and
  /// /api/events?projectId= as SSE, or as WebSocket when the request is an upgrade.
  /// Null: not served.
  EventHub* events = nullptr;
  /// SSE: a comment line on idle streams. WebSocket: a ping after this much idleness; a
  /// peer silent for twice this (no pong) is disconnected.
  std::chrono::milliseconds heartbeat_interval{15000};
  /// Open event streams, of both kinds, across the server; more get 503. Lowered to fit
  /// the open file limit.
  std::size_t max_subscribers = 10000;
  /// Event streams from one remote address; more get 429. A team behind one office NAT
  /// shares an address: a few hundred workstations with a stream or two each fit. At most
  /// half of max_subscribers, so one address never holds them all.
  std::size_t max_streams_per_address = 1000;
  /// Event streams under one credential (an API key, or the admin token); more get 429. A
  /// team often shares one read key: as roomy as the per-address cap, and likewise at
  /// most half of max_subscribers.
  std::size_t max_streams_per_credential = 1000;
  /// When accept fails for want of descriptors (EMFILE, ENFILE) or memory, accepting
  /// pauses this long instead of retrying at once, which would spin on the pending
  /// connection; it resumes by itself once descriptors are free.
  std::chrono::milliseconds accept_pause{100};
  /// Live frames a stream may have waiting; a live subscriber that falls further behind
  /// is dropped (it reconnects with Last-Event-ID) rather than holding memory or the
  /// publisher. A replay does not count: it is read from the log a page at a time, as
  /// fast as the subscriber takes it.
  std::size_t max_queued_frames = 1000;
};

/// Raises the process's soft open file limit (RLIMIT_NOFILE) to its hard limit, as nginx
/// (worker_rlimit_nofile) and systemd services (LimitNOFILE) do: the soft default of 1024
/// would otherwise run out before the connection cap. Returns the soft limit in force
/// after. Servers started later derive their caps from it (ServerOptions::max_connections).
std::size_t RaiseOpenFileLimit();

/// A running server. Thread-safe: port and Stop may be called from any thread.
class Server {
 public:
  /// Binds, listens and starts serving on background threads.
  /// Expected errors: kUnavailable (the address is in use or cannot be bound),
  /// kInvalidArgument (ServerOptions::tls names files that do not make a usable pair, or a
  /// key file others may read).
  static Result<std::unique_ptr<Server>> Start(const Api& api, const ServerOptions& options);

  virtual ~Server() = default;
  /// The port actually bound.
  virtual std::uint16_t port() const = 0;
  /// Stops accepting, lets in-flight requests finish (up to `grace`), then closes every
  /// connection and joins the threads. Idempotent.
  virtual void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) = 0;
  /// Reads ServerOptions::tls's files again (for SIGHUP, after a certificate renewal):
  /// handshakes from now on use the new pair; connections already open keep theirs. A pair
  /// that does not load changes nothing. Expected errors: kInvalidArgument (the new pair
  /// does not load: the message says why), kPreconditionFailed (the server is not serving
  /// TLS).
  virtual Status ReloadTls() = 0;
};

}  // namespace libsync::web
