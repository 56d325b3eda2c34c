#pragma once
// The state one server's connections share (Shared), and the threads that run them:
// RunPolling for network threads, WorkerPool for store work.

#include <boost/asio.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connection_limits.hpp"
#include "connection_placement.hpp"
#include "idle_connections.hpp"
#include "libsync/http/server.hpp"
#include "libsync/thread_annotations.hpp"
#include "metrics.hpp"
#include "thread_shard.hpp"
#include "worker_pool.hpp"

namespace boost::asio::ssl {
class context;  // tls_context.hpp; OpenSSL's headers stay out of the files that include this one
}

namespace libsync::web {

namespace net = boost::asio;
using tcp = net::ip::tcp;

/// The body of every network and worker thread: asks for the scheduler slice
/// (ServerOptions::scheduler_slice, when set), then runs `context` until it is stopped,
/// polling for up to `idle_poll` before each sleep (ServerOptions::idle_poll). sched_yield
/// between polls hands the CPU to any thread that is waiting for it here, so under load the
/// polling takes little from the threads that do the work.
void RunPolling(net::io_context& context, std::chrono::microseconds idle_poll, std::chrono::microseconds slice);

/// What every connection of one server shares: the Api, the options, the worker pools,
/// the connection counts and caps, metrics and the access log. Thread-safe where noted.
struct Shared {
  const Api& api;
  ServerOptions options;
  WorkerPool workers;             // Api::Handle: store work
  net::thread_pool git_workers;  // git sync routes: long waits on the remote
  ConnectionPlacement placement;  // which network thread serves each connection; counts them
  ConnectionLimits limits;        // the caps on connections and streams, and who holds them
  std::vector<std::unique_ptr<IdleConnections>> waiting;  // network thread i's connections waiting for a request
  std::vector<net::io_context*> network_contexts;  // network thread i runs the i-th
  tcp protocol = tcp::v4();                         // the listening socket's, and so every connection's
  std::atomic<std::size_t> busy{0};  // requests being handled or written
  std::atomic<bool> draining{false};
  Metrics metrics;
  // With ServerOptions::tls: the context new connections handshake with. ReloadTls swaps
  // in a new one; a connection keeps the one it started with (HttpSession holds it), so an
  // old pair lives until its last connection ends. Null without TLS.
  std::atomic<std::shared_ptr<net::ssl::context>> tls_context;
  // Guards no state (busy is atomic): it pairs with `idle`, so a Stop waiting for busy to
  // reach 0 cannot miss the notify of the last Done.
  std::mutex mutex;
  std::condition_variable idle;

  Shared(const Api& a, ServerOptions o);

  /// One request answered (or a stream opened): wakes a Stop waiting for the last.
  void Done() {
    if (busy.fetch_sub(1) == 1) {
      std::lock_guard lock(mutex);
      idle.notify_all();
    }
  }

  // Metrics and the access log line for one answered request. Log lines are gathered per
  // thread (ThreadShard) and written in blocks (and at least every second, by the server's
  // flush timer): one write per request would cost more than answering a cached hook
  // request, and one shared buffer made every request pass its mutex between CPUs.
  void Record(const Request& request, int status, std::chrono::steady_clock::time_point started);

  /// Writes every thread's gathered log lines (the server's flush timer, and Stop).
  void FlushLog();

 private:
  struct alignas(64) LogShard {
    Mutex mutex;
    std::string buffer LIBSYNC_GUARDED_BY(mutex);
    // Whole lines only: stdio writes each block under its own lock.
    void Flush() LIBSYNC_REQUIRES(mutex) {
      if (buffer.empty()) return;
      std::fwrite(buffer.data(), 1, buffer.size(), stderr);
      std::fflush(stderr);
      buffer.clear();
    }
  };
  std::array<LogShard, kThreadShards> logs_;
};

}  // namespace libsync::web
