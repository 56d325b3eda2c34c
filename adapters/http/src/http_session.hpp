#pragma once
// One HTTP/1.1 connection: reads requests, has them answered (from the hook cache here, or
// by Api::Handle on a worker), writes the answers, keeps the connection alive, serves
// /metrics, follows its client to another network thread (ConnectionPlacement), and hands
// a request for an event stream over to an EventStreamSession. The same class serves plain
// HTTP (PlainStream) and HTTPS (TlsStream): each is its own instantiation, so a plain
// connection runs no TLS code at all.

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "event_stream_session.hpp"
#include "idle_connections.hpp"
#include "libsync/http/api.hpp"
#include "request_parser.hpp"
#include "server_shared.hpp"
#include "tls_context.hpp"

namespace libsync::web {

/// How far one non-blocking write of a response got.
struct WriteAttempt {
  std::size_t written = 0;
  boost::beast::error_code error;
};

/// Touched only on its network thread, except while a worker answers its request (the
/// network thread then leaves it alone: the worker formats the answer, and posts it back
/// to be written). It is counted in ConnectionLimits by whoever
/// creates it (the acceptor, or the session it moved from) and gives that place back when
/// it ends, or when its connection becomes a stream (then the stream's place is held by the
/// EventStreamSession). A TLS connection handshakes first (under the header timeout, and
/// sheddable like a connection waiting for its headers), and stays on the network thread
/// it was placed on.
template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>>, public IdleConnections::Member {
 public:
  /// `tls_context`: the context `stream` was made with (TlsStream), kept while the
  /// connection lives; null for PlainStream.
  HttpSession(Stream stream, std::size_t network_thread, std::shared_ptr<Shared> shared,
              std::shared_ptr<boost::asio::ssl::context> tls_context = nullptr)
      : stream_(std::move(stream)),
        network_thread_(network_thread),
        shared_(std::move(shared)),
        tls_context_(std::move(tls_context)) {}
  ~HttpSession() override;

  /// The connection is counted under `address` (ConnectionLimits::TryOpenFromAddress);
  /// the session gives it back.
  void HoldAddress(std::string address) { address_ = std::move(address); }

  /// `first`: no request has been read from the connection yet (see DoReadHeader).
  void Start(bool first);

 private:
  using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;
  boost::beast::tcp_stream& Transport() { return boost::beast::get_lowest_layer(stream_); }
  void DoHandshake();
  void OnFirstBytes(boost::beast::error_code ec, std::size_t received);
  void OnHandshake(boost::beast::error_code ec, std::size_t used);
  void RefusePlainHttp();
  void DoReadHeader(bool first);
  void CloseIdle() override;
  std::string_view IdleAddress() const override { return address_ ? std::string_view(*address_) : std::string_view(); }
  void OnHeader(boost::beast::error_code ec, std::size_t);
  void OnBody(boost::beast::error_code ec, std::size_t);
  void ServeMetrics(const Request& request);
  void OpenEventStream(Request request);
  void RefuseStream(const Status& error);
  void Uncount();
  void ReleaseAddress();
  void OnReadError(boost::beast::error_code ec);
  void DoWrite(const Response& response, bool keep_alive, unsigned version);
  bool Format(const Response& response, bool keep_alive, unsigned version, bool head_only = false);
  void WriteFormatted(bool keep_alive);
  WriteAttempt TryWriteNow();
  void FinishWrite(WriteAttempt attempt, bool keep_alive);
  void AfterWrite(boost::beast::error_code ec, bool keep_alive);
  void NoteClientCpu();
  bool FollowClient();
  void DoClose();

  // Clients move between CPUs (a client's threads are often all started on one CPU and
  // spread later), and a connection is best served on its client's (ConnectionPlacement).
  // Every kFollowClientEvery requests the connection notes where its packets arrive and,
  // once that request is answered, moves to the network thread there: a session on that
  // thread takes the socket and any bytes already read, and this one ends.
  static constexpr unsigned kFollowClientEvery = 64;  // requests; one system call each time
  static constexpr std::size_t kKeptBodyBytes = 64 * 1024;
  // How long a closing TLS connection waits for the client's close_notify.
  static constexpr std::chrono::seconds kTlsCloseWait{1};

  Stream stream_;
  std::size_t network_thread_;  // whose io_context runs this connection
  unsigned answered_ = 0;       // requests answered on this connection (wraps)
  int client_cpu_ = -1;         // where the client's packets arrived, when last noted
  boost::beast::flat_buffer buffer_;
  std::string response_text_;  // the response being written; its capacity is kept
  Request request_;            // the request being answered; its strings' capacity is kept
  std::optional<RequestParser> parser_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // what stream_'s handshake used (TLS)
  bool counted_ = true;       // its place in ConnectionLimits is still held (Uncount)
  bool handed_over_ = false;  // the connection went on as an EventStreamSession
  // The remote address its connection is counted under (TryOpenFromAddress), until it
  // closes or becomes a stream.
  std::optional<std::string> address_;
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> upgrade_;  // a WebSocket handshake
};

extern template class HttpSession<PlainStream>;
extern template class HttpSession<TlsStream>;

}  // namespace libsync::web
