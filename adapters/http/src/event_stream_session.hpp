#pragma once
// One event stream: a connection whose request opened GET /api/projects/:id/events (SSE)
// or a WebSocket on either event address, after HttpSession handed it over. It subscribes
// first, then replays from the log, then goes live (see event_stream_session.cpp), and
// keeps the connection alive with heartbeats.

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/http/api.hpp"
#include "libsync/http/event_hub.hpp"
#include "server_shared.hpp"
#include "stream_end.hpp"
#include "tls_context.hpp"

namespace libsync::web {

/// What ConnectionLimits counted a stream under (ConnectionLimits::OpenStream).
struct StreamSlot {
  std::string address, credential;
};

/// Touched only on its network thread, except Deliver (any thread). Holds the stream's
/// place in ConnectionLimits (given back as soon as the stream stops) and its connection's
/// count on its network thread in ConnectionPlacement (given back when it ends). Over TLS
/// (TlsStream) SSE is the same bytes encrypted, and a WebSocket is wss.
template <class Stream>
class EventStreamSession final : public std::enable_shared_from_this<EventStreamSession<Stream>> {
 public:
  /// Takes over `stream`, served by network thread `network_thread`, already counted as a
  /// stream under `slot`. `upgrade`: the WebSocket handshake to accept, if the request was one.
  /// `tls_context`: the context a TlsStream was made with, kept while it lives.
  EventStreamSession(Stream stream, std::size_t network_thread, std::shared_ptr<Shared> shared, StreamSlot slot,
                     std::optional<boost::beast::http::request<boost::beast::http::string_body>> upgrade,
                     std::shared_ptr<boost::asio::ssl::context> tls_context);
  ~EventStreamSession();

  /// On the network thread: starts the stream with the replay's first page, or answers
  /// that page's error (410 when the log no longer holds the start) and closes. Answers
  /// the opening request either way (Shared::Done).
  void Begin(std::shared_ptr<EventHub::Subscription> subscription, EventStream stream,
             Result<std::vector<Event>> first_page);

  /// A committed event for this stream's project (called on the publisher's thread).
  void Deliver(const Event& event);

  /// The executor of its network thread.
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  using std::enable_shared_from_this<EventStreamSession<Stream>>::shared_from_this;
  boost::beast::tcp_stream& Transport() { return boost::beast::get_lowest_layer(stream_); }
  void Refuse(const Status& error);
  void BeginStream(std::vector<Event> first_page);
  void AcceptWebSocket(std::vector<Event> first_page, std::optional<Status> gone = std::nullopt);
  void CloseWebSocket(std::uint16_t code, std::string_view reason);
  void OnReplayPage(std::vector<Event> page);
  void ReadPage();
  void ReadWebSocket();
  void OnLiveEvent(const Event& e);
  void QueueEvent(const Event& e, bool replayed);
  void Queue(std::string frame, bool replayed);
  void WriteNext();
  void ScheduleHeartbeat();
  void WatchForClose();
  void Finish();
  void Uncount();
  void StopStream();

  // Reads the next page of the replay once the socket has taken most of the last.
  static constexpr std::size_t kReplayLowWater = 64;  // frames still queued
  static constexpr std::uint16_t kCloseGone = 4410;    // the WebSocket close code for HTTP's 410

  struct Frame {
    std::string text;
    bool replayed;  // read from the log (paced), not a live event
  };

  Stream stream_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // what stream_'s handshake used (TLS)
  std::size_t network_thread_;  // whose io_context runs this connection
  std::shared_ptr<Shared> shared_;
  StreamSlot slot_;
  bool counted_ = true;  // its place in ConnectionLimits is still held (Uncount)
  std::optional<EventStream> event_stream_;  // who subscribes to what; set before the first write
  bool replaying_ = true;      // live events are noted, not queued, until the replay catches up
  bool reading_page_ = false;  // a page of the replay is being read
  bool writing_ = false;
  bool closed_ = false;
  std::optional<StreamEnd> ending_;  // the event that ends the stream is queued: Finish once sent
  std::int64_t last_seq_ = 0;     // the last seq queued
  std::int64_t missed_live_ = 0;  // the highest seq delivered live during the replay
  std::deque<Frame> queue_;
  std::size_t queued_replay_ = 0;  // frames in queue_ that are replayed
  std::shared_ptr<EventHub::Subscription> subscription_;
  boost::asio::steady_timer heartbeat_{stream_.get_executor()};
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> upgrade_;  // to accept
  // Without permessage-deflate (never offered): its zlib templates doubled this file's build.
  std::optional<boost::beast::websocket::stream<Stream&, false>> ws_;  // set once upgraded
  boost::beast::flat_buffer ws_buffer_;
  std::string refusal_;  // the error answer Refuse writes
  char discard_[512];
};

extern template class EventStreamSession<PlainStream>;
extern template class EventStreamSession<TlsStream>;

}  // namespace libsync::web
