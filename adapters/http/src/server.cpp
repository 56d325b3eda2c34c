// The Beast/Asio server: the acceptor, the network threads and the wiring. A connection is
// an HttpSession (http_session.cpp) until its request opens an event stream, then an
// EventStreamSession (event_stream_session.cpp); what they share is Shared
// (server_shared.hpp). Network threads only read and write; Api::Handle runs on a worker
// pool (git sync routes on a second one) and its response is posted back to the
// connection's network thread. Network and worker threads poll briefly before they sleep
// (ServerOptions::idle_poll); network threads may be pinned to CPUs. With
// ServerOptions::tls every connection is an HttpSession<TlsStream>, which handshakes on
// the network thread it was placed on; without, an HttpSession<PlainStream>, untouched by
// TLS (the choice is one test per accepted connection).

#include "libsync/http/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include "connection_move.hpp"
#include "cpu_affinity.hpp"
#include "http_session.hpp"
#include "response_text.hpp"
#include "responses.hpp"
#include "server_shared.hpp"
#include "tls_context.hpp"

namespace libsync::web {
namespace {

namespace beast = boost::beast;

class BeastServer final : public Server {
 public:
  BeastServer(const Api& api, const ServerOptions& options)
      : shared_(std::make_shared<Shared>(api, options)),
        loops_(MakeLoops(shared_->placement.threads())),
        acceptor_(*loops_.front().context) {
    for (auto& loop : loops_) shared_->network_contexts.push_back(loop.context.get());
  }

  ~BeastServer() override { Stop(std::chrono::milliseconds(0)); }

  Status LoadTls() {
    if (!shared_->options.tls) return Status::Ok();
    LIBSYNC_ASSIGN_OR_RETURN(auto context, MakeServerTlsContext(*shared_->options.tls));
    shared_->tls_context.store(std::move(context));
    return Status::Ok();
  }

  Status ReloadTls() override {
    if (!shared_->options.tls) return Status::PreconditionFailed("this server does not serve TLS");
    return LoadTls();
  }

  Status Listen() {
    beast::error_code ec;
    const auto address = net::ip::make_address(shared_->options.address, ec);
    if (ec) return Status::InvalidArgument("invalid listen address '" + shared_->options.address + "'");
    const tcp::endpoint endpoint(address, shared_->options.port);
    shared_->protocol = endpoint.protocol();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + shared_->options.address + ":" +
                                 std::to_string(shared_->options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    DoAccept();
    ScheduleLogFlush();
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      const int cpu = shared_->placement.cpu(i);
      threads_.emplace_back([context = loops_[i].context.get(), poll = shared_->options.idle_poll,
                             slice = shared_->options.scheduler_slice] { RunPolling(*context, poll, slice); });
      // Bound from here, so the binding holds by the time Listen returns.
      if (cpu >= 0) PinThread(threads_.back(), cpu);
    }
    return Status::Ok();
  }

  std::uint16_t port() const override { return port_; }

  void Stop(std::chrono::milliseconds grace) override {
    std::call_once(stopped_, [&] {
      shared_->draining = true;
      net::post(acceptor_.get_executor(), [this] {
        beast::error_code ec;
        acceptor_.close(ec);
      });
      {
        std::unique_lock lock(shared_->mutex);
        shared_->idle.wait_for(lock, grace, [&] { return shared_->busy.load() == 0; });
      }
      for (auto& loop : loops_) {
        loop.work.reset();
        loop.context->stop();
      }
      for (auto& t : threads_) t.join();
      shared_->workers.join();
      shared_->git_workers.join();
      shared_->FlushLog();
    });
  }

 private:
  void ScheduleLogFlush() {
    log_timer_.expires_after(std::chrono::seconds(1));
    log_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      shared_->FlushLog();
      ScheduleLogFlush();
    });
  }

  void DoAccept() {
    // Each network thread runs its own io_context, so a connection's handlers never run
    // concurrently and need no strand, and no thread wakes another to run them. Which
    // thread is known only once the connection is here (ConnectionPlacement); it arrives
    // on the first loop's, where the acceptor is.
    acceptor_.async_accept(peer_, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (OutOfResources(ec)) return PauseAccepting();
        return DoAccept();
      }
      std::string address = peer_.address().to_string();
      if (!shared_->limits.TryOpenFromAddress(address)) {
        // At the address's cap, one of its own connections that waits for a request makes
        // room, as one of any address does near the overall cap: a client's pool of idle
        // keep-alive connections must not shut out everyone else behind the same address.
        ShedFromAddressThenAdmit(std::move(socket), std::move(address));
        return DoAccept();
      }
      AdmitOrShed(std::move(socket), std::move(address));
      DoAccept();
    });
  }

  // On the acceptor's thread, for a connection counted against its address.
  void AdmitOrShed(tcp::socket socket, std::string address) {
    // Near the cap, the connection that has waited longest for a request makes room:
    // the new one is admitted once it is closed, on its own thread, through the cap
    // like any other. Counting it in at once (as before) let a burst overshoot the cap:
    // every accept until the close ran saw the same oldest connection, and a close that
    // found nothing left to close still had let one in.
    if (shared_->limits.ShouldShed()) {
      if (const auto thread = LongestIdleThread()) return ShedThenAdmit(*thread, std::move(socket), std::move(address));
    }
    Admit(std::move(socket), std::move(address));
  }

  void RefuseForItsAddress(tcp::socket& socket) {
    Response refused = ErrorResponse(
        Status(ErrorCode::kRateLimited, "too many connections from this address (at most " +
                                            std::to_string(shared_->limits.caps().connections_per_address) + ")"));
    refused.headers.emplace_back("retry-after", kRetryAfterSeconds);
    Refuse(socket, refused);
  }

  // On the acceptor's thread: a place under the cap, a network thread, a session; or 503.
  void Admit(tcp::socket socket, std::string address) {
    if (!shared_->limits.TryOpenConnection()) {
      shared_->limits.CloseFromAddress(address);
      return Refuse(socket, ErrorResponse(Status::Unavailable("too many connections")));
    }
    const std::size_t thread = shared_->placement.Place(IncomingCpu(socket.native_handle()));
    if (thread != 0) {
      auto moved = MoveSocket(socket, shared_->protocol, *loops_[thread].context);
      if (!moved) {
        shared_->placement.Closed(thread);
        shared_->limits.CloseConnection();
        shared_->limits.CloseFromAddress(address);
        return;
      }
      socket = std::move(*moved);
    }
    if (shared_->options.tls) {
      auto context = shared_->tls_context.load();
      auto session = std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *context), thread, shared_,
                                                              context);
      session->HoldAddress(std::move(address));
      return session->Start(true);
    }
    auto session = std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)), thread, shared_);
    session->HoldAddress(std::move(address));
    session->Start(true);
  }

  // A short answer, then the door.
  static void Refuse(tcp::socket& socket, const Response& response) {
    beast::error_code ignored;
    std::string reply;
    WriteResponseText(response, false, 11, reply);
    net::write(socket, net::buffer(reply.data(), reply.size()), ignored);
    socket.close(ignored);
  }

  // A connection on its way to another network thread and back, while that thread makes
  // room for it. It travels as its descriptor, owned here: a tcp::socket belongs to the
  // acceptor's io_context, which may be gone when a handler queued on another thread is
  // destroyed at shutdown. A connection that cannot travel or come back is uncounted from
  // its address (`counted`: whether it was counted in at all).
  struct ShedWait {
    ShedWait(int descriptor, std::string from) : fd(descriptor), address(std::move(from)) {}
    ShedWait(const ShedWait&) = delete;
    ShedWait& operator=(const ShedWait&) = delete;
    ~ShedWait() {
      if (fd >= 0) ::close(fd);
    }
    int fd;
    std::string address;
  };
  std::shared_ptr<ShedWait> Detach(tcp::socket& socket, std::string address, bool counted) {
    beast::error_code ec;
    const int fd = socket.release(ec);
    if (!ec) return std::make_shared<ShedWait>(fd, std::move(address));
    if (counted) shared_->limits.CloseFromAddress(address);
    return nullptr;
  }
  // On the acceptor's thread.
  std::optional<tcp::socket> TakeBack(ShedWait& wait, bool counted) {
    tcp::socket socket(acceptor_.get_executor());
    beast::error_code ec;
    socket.assign(shared_->protocol, std::exchange(wait.fd, -1), ec);
    if (!ec) return socket;
    if (counted) shared_->limits.CloseFromAddress(wait.address);
    return std::nullopt;
  }

  // Closes the longest waiting connection of network thread `thread` there, then admits
  // the new one (counted against its address) back on the acceptor's thread.
  void ShedThenAdmit(std::size_t thread, tcp::socket socket, std::string address) {
    auto wait = Detach(socket, std::move(address), /*counted=*/true);
    if (!wait) return;
    net::post(*loops_[thread].context, [this, shared = shared_, thread, wait]() {
      shared->waiting[thread]->CloseOldest();
      net::post(acceptor_.get_executor(), [this, wait]() {
        if (auto admitted = TakeBack(*wait, /*counted=*/true)) Admit(std::move(*admitted), std::move(wait->address));
      });
    });
  }

  // A connection of the address that has waited this long for a request is idle: one that
  // just connected, or just had its answer, may have its request on the way already (its
  // headers not read yet), and is left alone.
  static constexpr std::int64_t kIdleBeforeShedForItsAddress = 1'000'000'000;  // 1 s

  // A connection over its address's cap: each network thread in turn closes the connection
  // from that address that has waited longest for a request, if it has one; once one did,
  // the new connection is counted in its place (another may have taken the place meanwhile:
  // then the next thread is asked), and when no thread had one, it is refused (429).
  void ShedFromAddressThenAdmit(tcp::socket socket, std::string address) {
    if (auto wait = Detach(socket, std::move(address), /*counted=*/false)) ShedFromAddress(0, std::move(wait));
  }
  void ShedFromAddress(std::size_t thread, std::shared_ptr<ShedWait> wait) {
    net::post(*loops_[thread].context, [this, shared = shared_, thread, wait]() {
      const bool closed = shared->waiting[thread]->CloseOldestFrom(wait->address, kIdleBeforeShedForItsAddress);
      net::post(acceptor_.get_executor(), [this, thread, closed, wait]() {
        const bool admitted = closed && shared_->limits.TryOpenFromAddress(wait->address);
        if (!admitted && thread + 1 < loops_.size()) return ShedFromAddress(thread + 1, wait);
        auto socket = TakeBack(*wait, /*counted=*/admitted);
        if (!socket) return;
        if (!admitted) return RefuseForItsAddress(*socket);
        AdmitOrShed(std::move(*socket), std::move(wait->address));
      });
    });
  }

  // The pending connection stays in the listen queue: retrying at once would fail again
  // at once and spin a core (and starve the connections already open of their thread).
  static bool OutOfResources(const beast::error_code& ec) {
    return ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
           ec == net::error::no_buffer_space || ec == net::error::no_memory;
  }

  void PauseAccepting() {
    accept_pause_.expires_after(shared_->options.accept_pause);
    accept_pause_.async_wait([this](beast::error_code ec) {
      if (ec || !acceptor_.is_open()) return;
      DoAccept();
    });
  }

  // The network thread whose connection has waited longest for a request, if any waits.
  // That one is the one to close near the cap: an idle keep-alive socket (or one that never
  // sent a request) costs its client nothing to reopen, while a new client refused would
  // get no service at all.
  std::optional<std::size_t> LongestIdleThread() const {
    std::optional<std::size_t> thread;
    std::int64_t oldest = IdleConnections::kNone;
    for (std::size_t i = 0; i < shared_->waiting.size(); ++i) {
      const std::int64_t since = shared_->waiting[i]->oldest_since();
      if (since < oldest) {
        oldest = since;
        thread = i;
      }
    }
    return thread;
  }

  std::shared_ptr<Shared> shared_;
  struct Loop {
    std::unique_ptr<net::io_context> context;
    // While a request is on the worker pool its connection has no operation pending on
    // the io_context; the guard keeps run() from returning before the response is written.
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  };
  static std::vector<Loop> MakeLoops(std::size_t count) {
    std::vector<Loop> loops;
    for (std::size_t i = 0; i < count; ++i) {
      auto context = std::make_unique<net::io_context>(1);  // one thread each
      auto work = net::make_work_guard(*context);
      loops.push_back({std::move(context), std::move(work)});
    }
    return loops;
  }

  std::vector<Loop> loops_;
  tcp::acceptor acceptor_;
  tcp::endpoint peer_;  // the remote end of the connection being accepted
  net::steady_timer log_timer_{*loops_.front().context};
  net::steady_timer accept_pause_{*loops_.front().context};  // runs on the acceptor's thread
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::once_flag stopped_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const Api& api, const ServerOptions& options) {
  auto server = std::make_unique<BeastServer>(api, options);
  LIBSYNC_RETURN_IF_ERROR(server->LoadTls());
  LIBSYNC_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace libsync::web
