#include "http_session.hpp"

#include <boost/beast/websocket.hpp>

#include <utility>

#include "connection_move.hpp"
#include "response_text.hpp"
#include "responses.hpp"

namespace libsync::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// An error the transport answers itself (a request it could not read whole), with the
// same fields as the API's: "code" too, which clients switch on.
Response PlainError(int status, std::string message) {
  const std::string_view code = status == 431 ? "HeaderFieldsTooLarge" : ErrorCodeName(ErrorCodeOfHttpStatus(status));
  boost::json::object body{{"statusCode", status},
                           {"error", ReasonPhrase(status)},
                           {"message", std::move(message)},
                           {"code", code}};
  return JsonResponse(status, body);
}

}  // namespace

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  if constexpr (kIsTls<Stream>) {
    if (!handed_over_) KeepSessionResumable(stream_);
  }
  shared_->waiting[network_thread_]->Remove(*this);
  Uncount();
  // A stream keeps the connection's count on this thread; its session gives it back.
  if (!handed_over_) shared_->placement.Closed(network_thread_);
}

/// The connection is counted under `address` (ConnectionLimits::TryOpenFromAddress);
/// the session gives it back.
/// `first`: no request has been read from the connection yet (see DoReadHeader).
template <class Stream>
void HttpSession<Stream>::Start(bool first) {
  beast::error_code ignored;
  // Answers are written whole, at once: nothing to gain from Nagle's delay. Non-blocking
  // so DoWrite can try the write in place.
  Transport().socket().set_option(tcp::no_delay(true), ignored);
  Transport().socket().non_blocking(true, ignored);
  if constexpr (kIsTls<Stream>) {
    // A TLS connection starts here, on the thread it was placed on (it never moves).
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoHandshake(); });
  } else {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), first] { self->DoReadHeader(first); });
  }
}

// --- TLS: the first bytes, then the handshake -----------------------------------------
// Both under the header timeout, and sheddable near the connection cap like a connection
// waiting for its first request: a client that connects and never finishes a handshake
// holds a place no longer than one that never sends its headers.
template <class Stream>
void HttpSession<Stream>::DoHandshake() {
  if (shared_->draining) return DoClose();
  Transport().expires_after(shared_->options.header_timeout);
  shared_->waiting[network_thread_]->Add(*this);
  // Peeked before the handshake: a plain HTTP request would otherwise make OpenSSL fail
  // with "wrong version number" and the client see a reset (or, waiting for more, a hang).
  Transport().async_read_some(buffer_.prepare(4096), beast::bind_front_handler(&HttpSession<Stream>::OnFirstBytes,
                                                                                shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::OnFirstBytes(beast::error_code ec, std::size_t received) {
  if (ec) {
    shared_->waiting[network_thread_]->Remove(*this);
    return DoClose();
  }
  buffer_.commit(received);
  if (static_cast<unsigned char>(static_cast<const char*>(buffer_.data().data())[0]) != kTlsHandshakeRecord) {
    shared_->waiting[network_thread_]->Remove(*this);
    return RefusePlainHttp();
  }
  if constexpr (kIsTls<Stream>) {
    // The bytes already read are the start of the ClientHello; OpenSSL takes them from here.
    stream_.async_handshake(net::ssl::stream_base::server, buffer_.data(),
                            beast::bind_front_handler(&HttpSession<Stream>::OnHandshake, shared_from_this()));
  }
}

template <class Stream>
void HttpSession<Stream>::OnHandshake(beast::error_code ec, std::size_t used) {
  shared_->waiting[network_thread_]->Remove(*this);
  if (ec) {
    beast::error_code ignored;
    Transport().socket().close(ignored);  // nothing can be said to a client that failed the handshake
    return;
  }
  buffer_.consume(used);
  DoReadHeader(true);
}

// The answer a browser or curl gets for http:// on the TLS port: in plain text, since
// the client speaks nothing else, then the door.
template <class Stream>
void HttpSession<Stream>::RefusePlainHttp() {
  shared_->busy.fetch_add(1);
  WriteResponseText(PlainError(400, "this port speaks HTTPS: use https:// in the URL"), false, 11, response_text_);
  Transport().expires_after(shared_->options.body_timeout);
  net::async_write(Transport(), net::buffer(response_text_), [self = shared_from_this()](beast::error_code, std::size_t) {
    self->shared_->Done();
    beast::error_code ignored;
    self->Transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
  });
}

template <class Stream>
void HttpSession<Stream>::DoReadHeader(bool first) {
  if (shared_->draining) return DoClose();
  parser_.emplace(request_);
  parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
  parser_->body_limit(shared_->options.max_body_bytes);
  // The first request gets the header timeout; later ones on a kept-alive connection
  // may idle longer before they start.
  Transport().expires_after(first ? shared_->options.header_timeout : shared_->options.idle_timeout);
  // Until its headers are in, the connection may be closed to make room (IdleConnections).
  shared_->waiting[network_thread_]->Add(*this);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession<Stream>::OnHeader, shared_from_this()));
}

// Shed near the connection cap: the pending read ends with operation_aborted. The place
// is given back now, not when that completes, so the connection let in for it (the
// acceptor waits for this) finds it free.
template <class Stream>
void HttpSession<Stream>::CloseIdle() {
  beast::error_code ignored;
  Transport().socket().close(ignored);
  Uncount();
}

template <class Stream>
void HttpSession<Stream>::OnHeader(beast::error_code ec, std::size_t) {
  shared_->waiting[network_thread_]->Remove(*this);
  if (ec) return OnReadError(ec);
  if ((answered_ + 1) % kFollowClientEvery == 0) NoteClientCpu();
  // A request without a body (every GET) is complete already: no second read, and no
  // re-arming of the timer, which costs a system call.
  if (parser_->is_done()) return OnBody({}, 0);
  Transport().expires_after(shared_->options.body_timeout);
  // A client that sent `Expect: 100-continue` waits for this before it sends its body
  // (curl a second, others until their own time-out; RFC 9110 §10.1.1). Its headers
  // passed every check a header can fail (a body over the limit ended the read above).
  if (parser_->version() == 11 && beast::iequals(request_.Header("expect"), "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                            [self = shared_from_this()](beast::error_code written, std::size_t) {
                              if (written) return self->OnReadError(written);
                              http::async_read(self->stream_, self->buffer_, *self->parser_,
                                               beast::bind_front_handler(&HttpSession<Stream>::OnBody, self));
                            });
  }
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession<Stream>::OnBody, shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::OnBody(beast::error_code ec, std::size_t) {
  if (ec) return OnReadError(ec);
  Transport().expires_never();
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
    // freed on this thread.
    const bool keep = self->Format(response, keep_alive, version, request.method == "HEAD");
    // The network thread alone writes to the connection. (A worker that wrote plain
    // answers itself measured no faster, and was a second writer: docs/performance.md,
    // "Writes over HTTP".)
    net::post(self->stream_.get_executor(), [self, keep] { self->WriteFormatted(keep); });
  };
  if (waits_on_git) return net::post(shared_->git_workers, std::move(job));
  shared_->workers.Post(std::move(job));
}

// Prometheus scrapes from the machine itself need no token; anyone else needs the admin's.
template <class Stream>
void HttpSession<Stream>::ServeMetrics(const Request& request) {
  beast::error_code ec;
  const auto peer = Transport().socket().remote_endpoint(ec);
  shared_->busy.fetch_add(1);
  if ((ec || !peer.address().is_loopback()) && !shared_->api.IsAdmin(request)) {
    return DoWrite(ErrorResponse(Status::Unauthenticated("metrics need the admin token off this machine")), false,
                   11);
  }
  const std::size_t subscribers = shared_->options.events ? shared_->options.events->subscribers() : 0;
  Response r{200, {{"content-type", "text/plain; version=0.0.4"}},
             shared_->metrics.Render(shared_->limits.connections(), subscribers, shared_->placement.OpenPerThread()) +
                 shared_->api.MetricsText()};
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
template <class Stream>
void HttpSession<Stream>::OpenEventStream(Request request) {
  shared_->busy.fetch_add(1);
  const auto started = std::chrono::steady_clock::now();
  beast::error_code ec;
  const auto peer = Transport().socket().remote_endpoint(ec);
  std::string address = ec ? std::string("unknown") : peer.address().to_string();
  shared_->workers.Post([self = shared_from_this(), request = std::move(request), address = std::move(address),
                         started] {
    const Api& api = self->shared_->api;
    // Every stream asked for is a line of the access log and a count in /metrics, as any
    // request is: a refused one (a guessed ?token=, a stream cap reached) above all.
    const auto refuse = [&](const Status& error) {
      self->shared_->Record(request, error.http_status(), started);
      self->RefuseStream(error);
    };
    auto stream = api.OpenEventStream(request);
    if (!stream) return refuse(stream.error());
    std::string credential = stream->caller.is_admin() ? "admin" : "key:" + stream->caller.key_id();
    if (Status opened = self->shared_->limits.OpenStream(address, credential); !opened.ok()) return refuse(opened);
    const bool websocket = self->upgrade_.has_value();
    // The connection counts as a stream from here, and an EventStreamSession takes it
    // over. The network thread leaves this session alone meanwhile: it reads nothing more
    // until an answer is posted back, and none will be.
    self->shared_->limits.CloseConnection();
    self->ReleaseAddress();
    self->counted_ = false;
    self->handed_over_ = true;
    auto next = std::make_shared<EventStreamSession<Stream>>(
        std::move(self->stream_), self->network_thread_, self->shared_,
        StreamSlot{std::move(address), std::move(credential)}, std::exchange(self->upgrade_, std::nullopt),
        std::move(self->tls_context_));
    std::weak_ptr<EventStreamSession<Stream>> weak = next;
    std::shared_ptr<EventHub::Subscription> subscription = self->shared_->options.events->Subscribe(
        stream->project_id, [weak](const Event& e) {
          if (auto s = weak.lock()) s->Deliver(e);
        });
    // The first page is read here, so that a seq the log no longer holds is answered 410
    // (a WebSocket is upgraded first and told with close code 4410).
    auto page = api.ReplayPage(*stream, stream->last_seq);
    self->shared_->Record(request, websocket ? 101 : page ? 200 : page.error().http_status(), started);
    auto executor = next->executor();
    net::post(executor, [next = std::move(next), subscription = std::move(subscription), page = std::move(page),
                         stream = std::move(stream).value()]() mutable {
      next->Begin(std::move(subscription), std::move(stream), std::move(page));
    });
  });
}

template <class Stream>
void HttpSession<Stream>::RefuseStream(const Status& error) {
  net::post(stream_.get_executor(), [self = shared_from_this(), error] {
    self->DoWrite(ErrorResponse(error), false, 11);
  });
}

// Gives the connection's place back: when the session ends, or when it is shed.
template <class Stream>
void HttpSession<Stream>::Uncount() {
  if (!counted_) return;
  counted_ = false;
  shared_->limits.CloseConnection();
  ReleaseAddress();
}

template <class Stream>
void HttpSession<Stream>::ReleaseAddress() {
  if (!address_) return;
  shared_->limits.CloseFromAddress(*address_);
  address_.reset();
}

template <class Stream>
void HttpSession<Stream>::OnReadError(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof) {
    return DoClose();
  }
  if constexpr (kIsTls<Stream>) {
    // The TLS layer failed (a bad record, a peer gone without close_notify): nothing more
    // can be sent on it.
    if (ec == net::ssl::error::stream_truncated || ec.category() == net::error::get_ssl_category()) {
      beast::error_code ignored;
      Transport().socket().close(ignored);
      return;
    }
  }
  // Answer what can be answered, then close: the stream position is unknown after this.
  int status = 400;
  std::string message = "malformed HTTP request: " + ec.message();
  if (ec == http::error::body_limit) {
    status = 413;
    // The body is the doc's JSON: an encoder that writes every non-ASCII character as
    // \uXXXX (Python's json.dumps by default) makes it up to three times the doc.
    message = "request body is larger than " + std::to_string(shared_->options.max_body_bytes) +
              " bytes; if it holds a doc, send its text as UTF-8 rather than \\u escapes (ensure_ascii=False "
              "in Python), which take up to three times the bytes";
  } else if (parser_ && parser_->refused_trailer()) {
    message = "trailer fields are not accepted; send every field in the header";
  } else if (ec == http::error::header_limit) {
    status = 431;
    message = "request headers are larger than " + std::to_string(shared_->options.max_header_bytes) + " bytes";
  }
  shared_->busy.fetch_add(1);
  DoWrite(PlainError(status, std::move(message)), false, 11);
}

template <class Stream>
void HttpSession<Stream>::DoWrite(const Response& response, bool keep_alive, unsigned version) {
  WriteFormatted(Format(response, keep_alive, version));
}

/// Puts the whole message into response_text_; returns whether the connection stays.
/// The one reused buffer and one write replaced Beast's serializer, which allocated per
/// header field and walked a buffer sequence per response. (Writing the body from its
/// own string, gathered with the head, measured no faster than this copy.)
template <class Stream>
bool HttpSession<Stream>::Format(const Response& response, bool keep_alive, unsigned version, bool head_only) {
  keep_alive = keep_alive && !shared_->draining;
  WriteResponseText(response, keep_alive, version, response_text_, head_only);
  return keep_alive;
}

template <class Stream>
void HttpSession<Stream>::WriteFormatted(bool keep_alive) {
  if constexpr (kIsTls<Stream>) {
    // Through OpenSSL, which encrypts into its own buffer first: always asynchronous.
    Transport().expires_after(shared_->options.body_timeout);
    net::async_write(stream_, net::buffer(response_text_),
                     [self = shared_from_this(), keep_alive](beast::error_code failed, std::size_t) {
                       self->AfterWrite(failed, keep_alive);
                     });
    return;
  }
  FinishWrite(TryWriteNow(), keep_alive);
}

// Nearly every answer fits in the socket's send buffer and is written in one call, with
// no timer to arm and no second trip through the event loop. The socket is non-blocking,
// so a full buffer costs nothing here.
template <class Stream>
WriteAttempt HttpSession<Stream>::TryWriteNow() {
  WriteAttempt attempt;
  attempt.written = Transport().socket().write_some(net::buffer(response_text_), attempt.error);
  if (attempt.error == net::error::would_block) attempt.error = {};
  return attempt;
}

// What did not fit follows asynchronously, under the body timeout (a client that stops
// reading). On the network thread.
template <class Stream>
void HttpSession<Stream>::FinishWrite(WriteAttempt attempt, bool keep_alive) {
  if (attempt.error || attempt.written == response_text_.size()) return AfterWrite(attempt.error, keep_alive);
  Transport().expires_after(shared_->options.body_timeout);
  net::async_write(stream_, net::buffer(response_text_) + attempt.written,
                   [self = shared_from_this(), keep_alive](beast::error_code failed, std::size_t) {
                     self->AfterWrite(failed, keep_alive);
                   });
}

template <class Stream>
void HttpSession<Stream>::AfterWrite(beast::error_code ec, bool keep_alive) {
  // Large buffers are not kept for the connection's idle time.
  if (request_.body.capacity() > kKeptBodyBytes) request_.body = std::string();
  if (response_text_.capacity() > kKeptBodyBytes) response_text_ = std::string();
  shared_->Done();
  if (ec || !keep_alive) return DoClose();
  if (++answered_ % kFollowClientEvery == 0 && FollowClient()) return;
  DoReadHeader(false);
}

// Noted as a request comes in, because then the last packet received is the client's
// own. After an answer it may be the client kernel's bare acknowledgement of it, which
// on loopback is received on the CPU that sent the answer: ours.
template <class Stream>
void HttpSession<Stream>::NoteClientCpu() {
  client_cpu_ = shared_->placement.cpu(network_thread_) < 0 ? -1 : IncomingCpu(Transport().socket().native_handle());
}

// True when the connection moved.
template <class Stream>
bool HttpSession<Stream>::FollowClient() {
  // A TLS session's state lives in its stream, bound to this thread's io_context: it
  // stays where it was placed.
  if constexpr (kIsTls<Stream>) {
    return false;
  } else {
    const auto target = shared_->placement.Follow(network_thread_, std::exchange(client_cpu_, -1));
    if (!target) return false;
    auto moved = MoveSocket(Transport().socket(), shared_->protocol, *shared_->network_contexts[*target]);
    if (!moved) {
      shared_->placement.Closed(*target);
      if (Transport().socket().is_open()) return false;
      DoClose();
      return true;
    }
    shared_->limits.OpenConnectionAnyway();  // released by the new session
    auto next = std::make_shared<HttpSession>(PlainStream(std::move(*moved)), *target, shared_);
    next->address_ = std::exchange(address_, std::nullopt);  // counted once, whoever holds it
    const auto pending = buffer_.data();
    next->buffer_.commit(net::buffer_copy(next->buffer_.prepare(pending.size()), pending));
    next->Start(false);
    return true;
  }
}

template <class Stream>
void HttpSession<Stream>::DoClose() {
  beast::error_code ec;
  if constexpr (kIsTls<Stream>) {
    // close_notify first, so the client knows the answer it has is whole; a client that
    // does not answer it gets kTlsCloseWait, then the socket is closed.
    if (Transport().socket().is_open()) {
      Transport().expires_after(kTlsCloseWait);
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        self->Transport().socket().close(ignored);
      });
    }
    return;
  }
  Transport().socket().shutdown(tcp::socket::shutdown_send, ec);
}

template class HttpSession<PlainStream>;
template class HttpSession<TlsStream>;
}  // namespace libsync::web
