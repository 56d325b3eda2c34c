// The Beast/Asio transport. Network threads only read and write; Api::Handle runs on a
// worker pool (git sync routes on a second one) and its response is posted back to the
// connection's network thread. Network and worker threads poll briefly before they sleep
// (ServerOptions::idle_poll); network threads may be pinned to CPUs.

#include "libsync/http/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

#include <sched.h>
#include <unistd.h>

#include "connection_limits.hpp"
#include "connection_placement.hpp"
#include "cpu_affinity.hpp"
#include "fd_limit.hpp"
#include "idle_connections.hpp"
#include "response_text.hpp"
#include "metrics.hpp"
#include "request_parser.hpp"
#include "scheduler_slice.hpp"
#include "thread_shard.hpp"
#include "responses.hpp"

namespace libsync::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// The body of every network and worker thread: asks for the scheduler slice
/// (ServerOptions::scheduler_slice, when set), then runs `context` until it is stopped,
/// polling for up to `idle_poll` before each sleep (ServerOptions::idle_poll). sched_yield
/// between polls hands the CPU to any thread that is waiting for it here, so under load the
/// polling takes little from the threads that do the work.
void RunPolling(net::io_context& context, std::chrono::microseconds idle_poll, std::chrono::microseconds slice) {
  if (slice.count() > 0) SetSchedulerSlice(slice);
  if (idle_poll.count() <= 0) {
    context.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  while (!context.stopped()) {
    if (context.poll() > 0) continue;
    bool ran = false;
    for (const auto until = Clock::now() + idle_poll; !ran && Clock::now() < until && !context.stopped();) {
      sched_yield();
      ran = context.poll() > 0;
    }
    if (!ran) context.run_one();
  }
}

/// Threads for store work that poll a while for the next job before they sleep
/// (RunPolling): under a steady stream of requests a job is picked up by a thread that is
/// still awake, not handed over with a wake-up each (which cost a doc GET a tenth of its
/// throughput on two cores).
class WorkerPool {
 public:
  WorkerPool(int threads, std::chrono::microseconds idle_poll, std::chrono::microseconds slice) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this, idle_poll, slice] { RunPolling(context_, idle_poll, slice); });
    }
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { join(); }

  net::io_context::executor_type executor() { return context_.get_executor(); }

  /// Runs what is queued, then ends the threads.
  void join() {
    guard_.reset();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  net::io_context context_;
  net::executor_work_guard<net::io_context::executor_type> guard_ = net::make_work_guard(context_);
  std::vector<std::thread> threads_;
};

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
  std::mutex mutex;
  std::condition_variable idle;

  Shared(const Api& a, ServerOptions o)
      : api(a),
        options(std::move(o)),
        workers(std::max(1, options.worker_threads), options.idle_poll, options.scheduler_slice),
        git_workers(static_cast<std::size_t>(std::max(1, options.git_threads))),
        placement(NetworkThreadCpus(std::max(1, options.network_threads), options.pin_network_threads)),
        limits(DeriveCaps({.connections = options.max_connections,
                           .connections_per_address = options.max_connections_per_address,
                           .streams = options.max_subscribers,
                           .streams_per_address = options.max_streams_per_address,
                           .streams_per_credential = options.max_streams_per_credential},
                          OpenFileLimit())) {
    for (std::size_t i = 0; i < placement.threads(); ++i) waiting.push_back(std::make_unique<IdleConnections>());
  }

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
  void Record(const Request& request, int status, std::chrono::steady_clock::time_point started) {
    const auto elapsed = std::chrono::steady_clock::now() - started;
    metrics.Record(request.method, request.target, status, std::chrono::duration<double>(elapsed).count());
    if (!options.access_log) return;
    // The path only: queries may carry a reason or a browser's token.
    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    LogShard& log = logs_[ThreadShard()];
    std::lock_guard lock(log.mutex);
    log.buffer.append(request.method).append(" ").append(path).append(" ");
    AppendNumber(log.buffer, status);
    log.buffer.append(" ");
    AppendNumber(log.buffer, static_cast<long long>(micros));
    log.buffer.append("us\n");
    if (log.buffer.size() >= 16 * 1024) log.Flush();
  }

  void FlushLog() {
    for (LogShard& log : logs_) {
      std::lock_guard lock(log.mutex);
      log.Flush();
    }
  }

 private:
  struct alignas(64) LogShard {
    std::mutex mutex;
    std::string buffer;
    // Whole lines only: stdio writes each block under its own lock.
    void Flush() {
      if (buffer.empty()) return;
      std::fwrite(buffer.data(), 1, buffer.size(), stderr);
      std::fflush(stderr);
      buffer.clear();
    }
  };
  std::array<LogShard, kThreadShards> logs_;
};

// The same connection, registered with another io_context (that thread serves it from
// now on); none if the system refuses, the socket then closed unless it was never released.
std::optional<tcp::socket> MoveSocket(tcp::socket& socket, tcp protocol, net::io_context& to) {
  beast::error_code ec;
  const auto handle = socket.release(ec);
  if (ec) return std::nullopt;
  tcp::socket moved(to);
  moved.assign(protocol, handle, ec);
  if (ec) {
    ::close(handle);
    return std::nullopt;
  }
  return moved;
}

Response PlainError(int status, std::string message) {
  boost::json::object body{{"statusCode", status},
                           {"error", ReasonPhrase(status)},
                           {"message", std::move(message)}};
  return JsonResponse(status, body);
}

/// One connection. It is counted in ConnectionLimits by whoever creates it (the acceptor,
/// or the session it moved from) and released here, as a connection or, once it became
/// one, as a stream.
class Session final : public std::enable_shared_from_this<Session>, public IdleConnections::Member {
 public:
  Session(tcp::socket socket, std::size_t network_thread, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), network_thread_(network_thread), shared_(std::move(shared)) {}

  ~Session() {
    shared_->waiting[network_thread_]->Remove(*this);
    Uncount();
    shared_->placement.Closed(network_thread_);
  }

  /// The connection is counted under `address` (ConnectionLimits::TryOpenFromAddress);
  /// the session gives it back.
  void HoldAddress(std::string address) { address_ = std::move(address); }

  /// `first`: no request has been read from the connection yet (see DoReadHeader).
  void Start(bool first) {
    beast::error_code ignored;
    // Answers are written whole, at once: nothing to gain from Nagle's delay. Non-blocking
    // so DoWrite can try the write in place.
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    stream_.socket().non_blocking(true, ignored);
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), first] { self->DoReadHeader(first); });
  }

  /// A committed event for this stream's project (called on the publisher's thread).
  void Deliver(const Event& event) {
    net::post(stream_.get_executor(), [self = shared_from_this(), event] { self->OnLiveEvent(event); });
  }

 private:
  void DoReadHeader(bool first) {
    if (shared_->draining) return DoClose();
    parser_.emplace(request_);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    parser_->body_limit(shared_->options.max_body_bytes);
    // The first request gets the header timeout; later ones on a kept-alive connection
    // may idle longer before they start.
    stream_.expires_after(first ? shared_->options.header_timeout : shared_->options.idle_timeout);
    // Until its headers are in, the connection may be closed to make room (IdleConnections).
    shared_->waiting[network_thread_]->Add(*this);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Shed near the connection cap: the pending read ends with operation_aborted. The place
  // is given back now, not when that completes, so the connection let in for it (the
  // acceptor waits for this) finds it free.
  void CloseIdle() override {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    Uncount();
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    shared_->waiting[network_thread_]->Remove(*this);
    if (ec) return OnReadError(ec);
    if ((answered_ + 1) % kFollowClientEvery == 0) NoteClientCpu();
    // A request without a body (every GET) is complete already: no second read, and no
    // re-arming of the timer, which costs a system call.
    if (parser_->is_done()) return OnBody({}, 0);
    stream_.expires_after(shared_->options.body_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, shared_from_this()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    stream_.expires_never();
    const bool keep_alive = parser_->keep_alive();
    const unsigned version = parser_->version();
    if (shared_->options.events && shared_->api.IsEventStream(request_)) {
      auto upgrade = ToBeast(request_, version);
      if (websocket::is_upgrade(upgrade)) upgrade_.emplace(std::move(upgrade));
      return OpenEventStream(std::move(request_));
    }
    if (request_.method == "GET" && request_.target.substr(0, request_.target.find('?')) == "/metrics") {
      return ServeMetrics(request_);
    }
    const auto started = std::chrono::steady_clock::now();
    shared_->busy.fetch_add(1);
    // Hook answers already in memory are written from here; everything else may block on
    // the store and goes to a worker, git sync routes to workers of their own.
    if (auto cached = shared_->api.HandleCached(request_)) {
      shared_->Record(request_, cached->status, started);
      return DoWrite(*cached, keep_alive, version);
    }
    const bool waits_on_git = shared_->api.WaitsOnGitRemote(request_);
    // The worker reads request_ in place: this connection reads nothing more until the
    // answer is posted back.
    auto job = [self = shared_from_this(), keep_alive, version, started] {
      const Request& request = self->request_;
      Response response = self->shared_->api.Handle(request);
      self->shared_->Record(request, response.status, started);
      // The text goes into the connection's own buffer here, which its network thread
      // leaves alone until the post below: the response's memory is then allocated and
      // freed on this thread, and the network thread only writes.
      const bool keep = self->Format(response, keep_alive, version);
      net::post(self->stream_.get_executor(), [self, keep] { self->WriteFormatted(keep); });
    };
    if (waits_on_git) return net::post(shared_->git_workers, std::move(job));
    net::post(shared_->workers.executor(), std::move(job));
  }

  // Prometheus scrapes from the machine itself need no token; anyone else needs the admin's.
  void ServeMetrics(const Request& request) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    shared_->busy.fetch_add(1);
    if ((ec || !peer.address().is_loopback()) && !shared_->api.IsAdmin(request)) {
      return DoWrite(ErrorResponse(Status::Unauthenticated("metrics need the admin token off this machine")), false,
                     11);
    }
    const std::size_t subscribers = shared_->options.events ? shared_->options.events->subscribers() : 0;
    Response r{200, {{"content-type", "text/plain; version=0.0.4"}},
               shared_->metrics.Render(shared_->limits.connections(), subscribers, shared_->placement.OpenPerThread())};
    DoWrite(r, true, 11);
  }

  // --- event streams: server-sent events, or WebSocket after an upgrade ---------------
  // Subscribe first, then replay from the log, then go live. The replay is read a page at
  // a time, the next page only once the socket has taken most of the last (ReadPage), so a
  // subscriber any distance behind within the retained log gets every event in order at
  // the pace it reads. Live events that come during the replay are not queued, only noted
  // (missed_live_): the log holds them, and the replay ends only at an empty page with
  // nothing noted past it. Anything already sent is skipped by seq, so nothing is lost or
  // sent twice. Only live frames count against max_queued_frames: a live subscriber that
  // stops reading is dropped. Both kinds share all this; they differ in framing and
  // keep-alive (SSE comment lines; WebSocket pings, answered or dropped).
  void OpenEventStream(Request request) {
    shared_->busy.fetch_add(1);
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    std::string address = ec ? std::string("unknown") : peer.address().to_string();
    net::post(shared_->workers.executor(), [self = shared_from_this(), request = std::move(request),
                                            address = std::move(address)] {
      const Api& api = self->shared_->api;
      auto stream = api.OpenEventStream(request);
      if (!stream) return self->RefuseStream(stream.error());
      std::string credential = stream->caller.is_admin() ? "admin" : "key:" + stream->caller.key_id();
      if (Status opened = self->shared_->limits.OpenStream(address, credential); !opened.ok()) {
        return self->RefuseStream(opened);
      }
      // The connection counts as a stream from here. The network thread leaves the session
      // alone until the post below, and its destructor comes after that.
      self->stream_slot_.emplace(StreamSlot{std::move(address), std::move(credential)});
      self->shared_->limits.CloseConnection();
      self->ReleaseAddress();
      std::weak_ptr<Session> weak = self;
      std::shared_ptr<EventHub::Subscription> subscription = self->shared_->options.events->Subscribe(
          stream->project_id, [weak](const Event& e) {
            if (auto s = weak.lock()) s->Deliver(e);
          });
      // The first page is read here, so that a seq the log no longer holds is answered 410.
      auto page = api.ReplayPage(*stream, stream->last_seq);
      net::post(self->stream_.get_executor(), [self, subscription, page = std::move(page),
                                                stream = std::move(stream).value()]() mutable {
        if (!page) return self->DoWrite(ErrorResponse(page.error()), false, 11);
        self->subscription_ = std::move(subscription);
        self->last_seq_ = stream.last_seq;
        self->event_stream_.emplace(std::move(stream));
        self->BeginStream(std::move(page).value());
      });
    });
  }

  void RefuseStream(const Status& error) {
    net::post(stream_.get_executor(), [self = shared_from_this(), error] {
      self->DoWrite(ErrorResponse(error), false, 11);
    });
  }

  void BeginStream(std::vector<Event> first_page) {
    if (upgrade_) return AcceptWebSocket(std::move(first_page));
    Queue("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
          "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n",
          false);
    OnReplayPage(std::move(first_page));
    shared_->Done();  // the opening request is answered; a stream does not hold up a stop
    ScheduleHeartbeat();
    WatchForClose();
  }

  void AcceptWebSocket(std::vector<Event> first_page) {
    stream_.expires_never();  // the websocket stream keeps its own timers from here on
    ws_.emplace(stream_);
    // Idle for half the timeout -> a ping; no pong (or anything) for the whole -> closed.
    websocket::stream_base::timeout timeouts{shared_->options.header_timeout, 2 * shared_->options.heartbeat_interval,
                                             true};
    ws_->set_option(timeouts);
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "libsync"); }));
    ws_->read_message_max(4096);  // subscribers have nothing to say; cap what they may send
    ws_->text(true);
    ws_->async_accept(*upgrade_, [self = shared_from_this(), page = std::move(first_page)](beast::error_code ec) mutable {
      self->upgrade_.reset();
      self->shared_->Done();
      if (ec) return self->StopStream();
      self->OnReplayPage(std::move(page));
      self->ReadWebSocket();
    });
  }

  // A page of the replay has been read (on a worker).
  void OnReplayPage(std::vector<Event> page) {
    reading_page_ = false;
    if (closed_) return;
    for (const Event& e : page) QueueEvent(e, true);
    if (page.empty() && last_seq_ >= missed_live_) {
      replaying_ = false;  // caught up: live from here
      return;
    }
    ReadPage();
  }

  // Reads the next page of the replay once the socket has taken most of the last.
  static constexpr std::size_t kReplayLowWater = 64;  // frames still queued
  void ReadPage() {
    if (!replaying_ || reading_page_ || closed_ || queued_replay_ > kReplayLowWater) return;
    reading_page_ = true;
    net::post(shared_->workers.executor(), [self = shared_from_this(), after = last_seq_] {
      auto page = self->shared_->api.ReplayPage(*self->event_stream_, after);
      net::post(self->stream_.get_executor(), [self, page = std::move(page)]() mutable {
        // The retained log moved past this subscriber while it read: it reconnects from
        // its last seq and is told 410, as if it had come back now.
        if (!page) return self->StopStream();
        self->OnReplayPage(std::move(page).value());
      });
    });
  }

  // Reading keeps control frames (pongs, close) flowing; data messages are ignored.
  void ReadWebSocket() {
    ws_->async_read(ws_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->StopStream();
      self->ws_buffer_.clear();
      self->ReadWebSocket();
    });
  }

  void OnLiveEvent(const Event& e) {
    if (closed_) return;
    if (replaying_) {
      missed_live_ = std::max(missed_live_, e.seq);  // the replay reads it from the log
      return;
    }
    if (queue_.size() - queued_replay_ >= shared_->options.max_queued_frames) return StopStream();  // too slow
    QueueEvent(e, false);
  }

  void QueueEvent(const Event& e, bool replayed) {
    if (e.seq <= last_seq_) return;  // already sent
    last_seq_ = e.seq;
    std::string data = "{\"seq\":" + std::to_string(e.seq) + ",\"type\":\"" + e.type + "\",\"projectId\":\"" +
                       e.project_id + "\",\"createdAt\":\"" + FormatTimestamp(e.created_at) +
                       "\",\"payload\":" + e.payload + "}";
    if (ws_) return Queue(std::move(data), replayed);  // one text message per event
    Queue("id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + data + "\n\n", replayed);
  }

  void Queue(std::string frame, bool replayed) {
    if (closed_) return;
    queue_.push_back({std::move(frame), replayed});
    queued_replay_ += replayed;
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    writing_ = true;
    auto on_written = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->queued_replay_ -= self->queue_.front().replayed;
      self->queue_.pop_front();
      if (ec) return self->StopStream();
      self->ReadPage();
      if (self->queue_.empty()) {
        self->writing_ = false;
        if (!self->ws_) self->stream_.expires_never();
        return;
      }
      self->WriteNext();
    };
    if (ws_) return ws_->async_write(net::buffer(queue_.front().text), std::move(on_written));
    stream_.expires_after(shared_->options.body_timeout);
    net::async_write(stream_, net::buffer(queue_.front().text), std::move(on_written));
  }

  void ScheduleHeartbeat() {
    heartbeat_.expires_after(shared_->options.heartbeat_interval);
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (self->queue_.empty()) self->Queue(": keep-alive\n\n", false);
      self->ScheduleHeartbeat();
    });
  }

  // The client sends nothing on a stream; a completed read means it went away.
  void WatchForClose() {
    stream_.socket().async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->StopStream();
      self->WatchForClose();
    });
  }

  // Gives the connection's place (or its stream's) back: when the session ends, or as soon
  // as its stream stops, so a subscriber that reconnects at once finds its place free.
  void Uncount() {
    if (!counted_) return;
    counted_ = false;
    if (stream_slot_) {
      shared_->limits.CloseStream(stream_slot_->address, stream_slot_->credential);
    } else {
      shared_->limits.CloseConnection();
      ReleaseAddress();
    }
  }

  void ReleaseAddress() {
    if (!address_) return;
    shared_->limits.CloseFromAddress(*address_);
    address_.reset();
  }

  void StopStream() {
    if (closed_) return;
    closed_ = true;
    Uncount();
    subscription_.reset();
    heartbeat_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return DoClose();
    }
    // Answer what can be answered, then close: the stream position is unknown after this.
    int status = 400;
    std::string message = "malformed HTTP request: " + ec.message();
    if (ec == http::error::body_limit) {
      status = 413;
      message = "request body is larger than " + std::to_string(shared_->options.max_body_bytes) + " bytes";
    } else if (parser_ && parser_->refused_trailer()) {
      message = "trailer fields are not accepted; send every field in the header";
    } else if (ec == http::error::header_limit) {
      status = 431;
      message = "request headers are larger than " + std::to_string(shared_->options.max_header_bytes) + " bytes";
    }
    shared_->busy.fetch_add(1);
    DoWrite(PlainError(status, std::move(message)), false, 11);
  }

  void DoWrite(const Response& response, bool keep_alive, unsigned version) {
    WriteFormatted(Format(response, keep_alive, version));
  }

  /// Puts the whole message into response_text_; returns whether the connection stays.
  /// The one reused buffer and one write replaced Beast's serializer, which allocated per
  /// header field and walked a buffer sequence per response. (Writing the body from its
  /// own string, gathered with the head, measured no faster than this copy.)
  bool Format(const Response& response, bool keep_alive, unsigned version) {
    keep_alive = keep_alive && !shared_->draining;
    WriteResponseText(response, keep_alive, version, response_text_);
    return keep_alive;
  }

  void WriteFormatted(bool keep_alive) {
    // Nearly every answer fits in the socket's send buffer and is written here, in one
    // call, with no timer to arm and no second trip through the event loop. What does not
    // fit follows asynchronously, under the body timeout (a client that stops reading).
    beast::error_code ec;
    std::size_t written = stream_.socket().write_some(net::buffer(response_text_), ec);
    if (ec == net::error::would_block) ec = {};
    if (ec || written == response_text_.size()) return AfterWrite(ec, keep_alive);
    stream_.expires_after(shared_->options.body_timeout);
    net::async_write(stream_, net::buffer(response_text_) + written,
                     [self = shared_from_this(), keep_alive](beast::error_code failed, std::size_t) {
                       self->AfterWrite(failed, keep_alive);
                     });
  }

  void AfterWrite(beast::error_code ec, bool keep_alive) {
    // Large buffers are not kept for the connection's idle time.
    if (request_.body.capacity() > kKeptBodyBytes) request_.body = std::string();
    if (response_text_.capacity() > kKeptBodyBytes) response_text_ = std::string();
    shared_->Done();
    if (ec || !keep_alive) return DoClose();
    if (++answered_ % kFollowClientEvery == 0 && FollowClient()) return;
    DoReadHeader(false);
  }

  // Clients move between CPUs (a client's threads are often all started on one CPU and
  // spread later), and a connection is best served on its client's (ConnectionPlacement).
  // Every kFollowClientEvery requests the connection notes where its packets arrive and,
  // once that request is answered, moves to the network thread there: a session on that
  // thread takes the socket and any bytes already read, and this one ends.
  static constexpr unsigned kFollowClientEvery = 64;  // requests; one system call each time

  // Noted as a request comes in, because then the last packet received is the client's
  // own. After an answer it may be the client kernel's bare acknowledgement of it, which
  // on loopback is received on the CPU that sent the answer: ours.
  void NoteClientCpu() {
    client_cpu_ = shared_->placement.cpu(network_thread_) < 0 ? -1 : IncomingCpu(stream_.socket().native_handle());
  }

  // True when the connection moved.
  bool FollowClient() {
    const auto target = shared_->placement.Follow(network_thread_, std::exchange(client_cpu_, -1));
    if (!target) return false;
    auto moved = MoveSocket(stream_.socket(), shared_->protocol, *shared_->network_contexts[*target]);
    if (!moved) {
      shared_->placement.Closed(*target);
      if (stream_.socket().is_open()) return false;
      DoClose();
      return true;
    }
    shared_->limits.OpenConnectionAnyway();  // released by the new session
    auto next = std::make_shared<Session>(std::move(*moved), *target, shared_);
    next->address_ = std::exchange(address_, std::nullopt);  // counted once, whoever holds it
    const auto pending = buffer_.data();
    next->buffer_.commit(net::buffer_copy(next->buffer_.prepare(pending.size()), pending));
    next->Start(false);
    return true;
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  std::size_t network_thread_;  // whose io_context runs this connection
  unsigned answered_ = 0;        // requests answered on this connection (wraps)
  int client_cpu_ = -1;          // where the client's packets arrived, when last noted
  beast::flat_buffer buffer_;
  static constexpr std::size_t kKeptBodyBytes = 64 * 1024;
  std::string response_text_;  // the response being written; its capacity is kept
  Request request_;  // the request being answered; its strings' capacity is kept
  std::optional<RequestParser> parser_;
  std::shared_ptr<Shared> shared_;
  // Event stream state, touched only on the connection's strand.
  struct StreamSlot {
    std::string address, credential;  // what ConnectionLimits counted it under
  };
  struct Frame {
    std::string text;
    bool replayed;  // read from the log (paced), not a live event
  };
  bool counted_ = true;  // its place in ConnectionLimits is still held (Uncount)
  // The remote address its request connection is counted under (TryOpenFromAddress),
  // until it closes or becomes a stream.
  std::optional<std::string> address_;
  std::optional<StreamSlot> stream_slot_;  // set once the connection became a stream
  std::optional<EventStream> event_stream_;  // who subscribes to what; set before the first write
  bool replaying_ = true;     // live events are noted, not queued, until the replay catches up
  bool reading_page_ = false;  // a page of the replay is being read
  bool writing_ = false;
  bool closed_ = false;
  std::int64_t last_seq_ = 0;     // the last seq queued
  std::int64_t missed_live_ = 0;  // the highest seq delivered live during the replay
  std::deque<Frame> queue_;
  std::size_t queued_replay_ = 0;  // frames in queue_ that are replayed
  std::shared_ptr<EventHub::Subscription> subscription_;
  net::steady_timer heartbeat_{stream_.get_executor()};
  std::optional<http::request<http::string_body>> upgrade_;  // a WebSocket handshake to accept
  std::optional<websocket::stream<beast::tcp_stream&>> ws_;   // set once upgraded
  beast::flat_buffer ws_buffer_;
  char discard_[512];
};

class BeastServer final : public Server {
 public:
  BeastServer(const Api& api, const ServerOptions& options)
      : shared_(std::make_shared<Shared>(api, options)),
        loops_(MakeLoops(shared_->placement.threads())),
        acceptor_(*loops_.front().context) {
    for (auto& loop : loops_) shared_->network_contexts.push_back(loop.context.get());
  }

  ~BeastServer() override { Stop(std::chrono::milliseconds(0)); }

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
        Response refused = ErrorResponse(
            Status(ErrorCode::kRateLimited, "too many connections from this address (at most " +
                                                std::to_string(shared_->limits.caps().connections_per_address) + ")"));
        refused.headers.emplace_back("retry-after", kRetryAfterSeconds);
        Refuse(socket, refused);
        return DoAccept();
      }
      // Near the cap, the connection that has waited longest for a request makes room:
      // the new one is admitted once it is closed, on its own thread, through the cap
      // like any other. Counting it in at once (as before) let a burst overshoot the cap:
      // every accept until the close ran saw the same oldest connection, and a close that
      // found nothing left to close still had let one in.
      if (shared_->limits.ShouldShed()) {
        if (const auto thread = LongestIdleThread()) {
          ShedThenAdmit(*thread, std::move(socket), std::move(address));
          return DoAccept();
        }
      }
      Admit(std::move(socket), std::move(address));
      DoAccept();
    });
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
    auto session = std::make_shared<Session>(std::move(socket), thread, shared_);
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

  // Closes the longest waiting connection of network thread `thread` there, then admits
  // the new one back on the acceptor's thread. The socket travels as its descriptor,
  // owned by a ShedWait: a tcp::socket belongs to the acceptor's io_context, which may be
  // gone when a handler queued on another thread is destroyed at shutdown.
  struct ShedWait {
    explicit ShedWait(int descriptor) : fd(descriptor) {}
    ShedWait(const ShedWait&) = delete;
    ShedWait& operator=(const ShedWait&) = delete;
    ~ShedWait() {
      if (fd >= 0) ::close(fd);
    }
    int fd;
  };
  void ShedThenAdmit(std::size_t thread, tcp::socket socket, std::string address) {
    beast::error_code ec;
    const int fd = socket.release(ec);
    if (ec) {
      shared_->limits.CloseFromAddress(address);
      return;
    }
    auto wait = std::make_shared<ShedWait>(fd);
    net::post(*loops_[thread].context, [this, shared = shared_, thread, wait, address = std::move(address)]() mutable {
      shared->waiting[thread]->CloseOldest();
      net::post(acceptor_.get_executor(), [this, wait, address = std::move(address)]() mutable {
        tcp::socket admitted(acceptor_.get_executor());
        beast::error_code assigned;
        admitted.assign(shared_->protocol, std::exchange(wait->fd, -1), assigned);
        if (assigned) {
          shared_->limits.CloseFromAddress(address);
          return;
        }
        Admit(std::move(admitted), std::move(address));
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
  LIBSYNC_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace libsync::web
