#pragma once
// Subscribe first, then replay from the log, then go live. The replay is read a page at
// a time, the next page only once the socket has taken most of the last (ReadPage), so a
// subscriber any distance behind within the retained log gets every event in order at
// the pace it reads. Live events that come during the replay are not queued, only noted
// (missed_live_): the log holds them, and the replay ends only at an empty page with
// nothing noted past it. Anything already sent is skipped by seq, so nothing is lost or
// sent twice. Only live frames count against max_queued_frames: a live subscriber that
// stops reading is dropped. Both kinds share all this; they differ in framing and
// keep-alive (SSE comment lines; WebSocket pings, answered or dropped). An event after
// which the subscriber may no longer follow (its key revoked, the project deleted:
// StreamEndAfter) is the last one sent; the stream then ends (Finish).

// EventStreamSession's member definitions, compiled once per stream type: Beast's
// WebSocket and HTTP templates make each instantiation the heaviest compile of the
// server, so the plain and TLS ones are separate translation units
// (event_stream_session_plain.cpp, event_stream_session_tls.cpp) that build in parallel.

#include "event_stream_session.hpp"

#include "websocket_protocol.hpp"

#include <algorithm>
#include <utility>

#include "libsync/timestamp.hpp"
#include "response_text.hpp"
#include "responses.hpp"

namespace libsync::web {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

template <class Stream>
EventStreamSession<Stream>::EventStreamSession(Stream stream, std::size_t network_thread,
                                               std::shared_ptr<Shared> shared, StreamSlot slot,
                                               std::optional<http::request<http::string_body>> upgrade,
                                               std::shared_ptr<net::ssl::context> tls_context)
    : stream_(std::move(stream)),
      tls_context_(std::move(tls_context)),
      network_thread_(network_thread),
      shared_(std::move(shared)),
      slot_(std::move(slot)),
      upgrade_(std::move(upgrade)) {}

template <class Stream>
EventStreamSession<Stream>::~EventStreamSession() {
  if constexpr (kIsTls<Stream>) KeepSessionResumable(stream_);
  Uncount();
  shared_->placement.Closed(network_thread_);
}

template <class Stream>
void EventStreamSession<Stream>::Begin(std::shared_ptr<EventHub::Subscription> subscription, EventStream stream,
                               Result<std::vector<Event>> first_page) {
  if (!first_page) {
    // A browser's WebSocket cannot read the status of a refused handshake, so a seq the
    // log no longer holds is told after the upgrade, as close code 4410 (4000 + HTTP's
    // 410): the client re-lists and subscribes from the head instead of retrying forever.
    if (upgrade_ && first_page.error().code() == ErrorCode::kGone) return AcceptWebSocket({}, first_page.error());
    return Refuse(first_page.error());
  }
  subscription_ = std::move(subscription);
  last_seq_ = stream.last_seq;
  event_stream_.emplace(std::move(stream));
  BeginStream(std::move(first_page).value());
}

// The opening request's answer when the stream cannot start, then the door.
template <class Stream>
void EventStreamSession<Stream>::Refuse(const Status& error) {
  WriteResponseText(ErrorResponse(error), false, 11, refusal_);
  Transport().expires_after(shared_->options.body_timeout);
  net::async_write(stream_, net::buffer(refusal_), [self = shared_from_this()](beast::error_code, std::size_t) {
    self->shared_->Done();
    beast::error_code ignored;
    self->Transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
  });
}

/// A committed event for this stream's project (called on the publisher's thread).
template <class Stream>
void EventStreamSession<Stream>::Deliver(const Event& event) {
  net::post(stream_.get_executor(), [self = shared_from_this(), event] { self->OnLiveEvent(event); });
}

template <class Stream>
void EventStreamSession<Stream>::BeginStream(std::vector<Event> first_page) {
  if (upgrade_) return AcceptWebSocket(std::move(first_page));
  Queue("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\nX-Accel-Buffering: no\r\n\r\n",
        false);
  OnReplayPage(std::move(first_page));
  shared_->Done();  // the opening request is answered; a stream does not hold up a stop
  ScheduleHeartbeat();
  WatchForClose();
}

template <class Stream>
void EventStreamSession<Stream>::AcceptWebSocket(std::vector<Event> first_page, std::optional<Status> gone) {
  Transport().expires_never();  // the websocket stream keeps its own timers from here on
  ws_.emplace(stream_);
  // Idle for half the timeout -> a ping; no pong (or anything) for the whole -> closed.
  websocket::stream_base::timeout timeouts{shared_->options.header_timeout, 2 * shared_->options.heartbeat_interval,
                                           true};
  ws_->set_option(timeouts);
  // A client that offered the aitk.v1 subprotocol (with its credentials beside it) gets it
  // back: a browser fails a handshake whose answer names none of the protocols it offered.
  // The aitk.auth entry is never echoed.
  const bool v1 = OffersProtocol((*upgrade_)[http::field::sec_websocket_protocol], kEventProtocol);
  ws_->set_option(websocket::stream_base::decorator([v1](websocket::response_type& res) {
    res.set(http::field::server, "libsync");
    if (v1) res.set(http::field::sec_websocket_protocol, kEventProtocol);
  }));
  ws_->read_message_max(4096);  // subscribers have nothing to say; cap what they may send
  ws_->text(true);
  ws_->async_accept(*upgrade_, [self = shared_from_this(), page = std::move(first_page),
                                gone = std::move(gone)](beast::error_code ec) mutable {
    self->upgrade_.reset();
    self->shared_->Done();
    if (ec) return self->StopStream();
    if (gone) return self->CloseWebSocket(kCloseGone, gone->message());
    self->OnReplayPage(std::move(page));
    self->ReadWebSocket();
  });
}

// A close frame with the reason (cut to the 123 bytes a close frame carries), then the
// door. Only while nothing else is being written: a stream that never started, or one
// whose last event went out (Finish).
template <class Stream>
void EventStreamSession<Stream>::CloseWebSocket(std::uint16_t code, std::string_view reason) {
  const websocket::close_reason why(static_cast<websocket::close_code>(code), reason.substr(0, 123));
  ws_->async_close(why, [self = shared_from_this()](beast::error_code) { self->StopStream(); });
}

// A page of the replay has been read (on a worker).
template <class Stream>
void EventStreamSession<Stream>::OnReplayPage(std::vector<Event> page) {
  reading_page_ = false;
  if (closed_) return;
  for (const Event& e : page) QueueEvent(e, true);
  if (page.empty() && last_seq_ >= missed_live_) {
    replaying_ = false;  // caught up: live from here
    return;
  }
  ReadPage();
}

template <class Stream>
void EventStreamSession<Stream>::ReadPage() {
  if (!replaying_ || reading_page_ || closed_ || ending_ || queued_replay_ > kReplayLowWater) return;
  reading_page_ = true;
  shared_->workers.Post([self = shared_from_this(), after = last_seq_] {
    auto page = self->shared_->api.ReplayPage(*self->event_stream_, after);
    net::post(self->stream_.get_executor(), [self, page = std::move(page)]() mutable {
      // The retained log moved past this subscriber while it read: it reconnects from
      // its last seq and is told 410, as if it had come back now.
      if (!page) {
        if (!self->ending_) self->StopStream();  // else its last event is on its way out
        return;
      }
      self->OnReplayPage(std::move(page).value());
    });
  });
}

// Reading keeps control frames (pongs, close) flowing; data messages are ignored.
template <class Stream>
void EventStreamSession<Stream>::ReadWebSocket() {
  ws_->async_read(ws_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->StopStream();
    self->ws_buffer_.clear();
    self->ReadWebSocket();
  });
}

template <class Stream>
void EventStreamSession<Stream>::OnLiveEvent(const Event& e) {
  if (closed_ || ending_) return;
  if (replaying_) {
    // The stream's last event (its key revoked, its project deleted) goes out now: the
    // replay could not read it, nor anything before it, since the log refuses this
    // caller from then on.
    if (StreamEndAfter(e, event_stream_->caller)) {
      replaying_ = false;
      return QueueEvent(e, false);
    }
    missed_live_ = std::max(missed_live_, e.seq);  // the replay reads it from the log
    return;
  }
  if (queue_.size() - queued_replay_ >= shared_->options.max_queued_frames) return StopStream();  // too slow
  QueueEvent(e, false);
}

template <class Stream>
void EventStreamSession<Stream>::QueueEvent(const Event& e, bool replayed) {
  if (e.seq <= last_seq_) return;  // already sent
  last_seq_ = e.seq;
  std::string data = "{\"seq\":" + std::to_string(e.seq) + ",\"type\":\"" + e.type + "\",\"projectId\":\"" +
                     e.project_id + "\",\"createdAt\":\"" + FormatTimestamp(e.created_at) +
                     "\",\"payload\":" + e.payload + "}";
  if (ws_) {
    Queue(std::move(data), replayed);  // one text message per event
  } else {
    Queue("id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + data + "\n\n", replayed);
  }
  if (auto end = StreamEndAfter(e, event_stream_->caller)) {
    ending_ = end;
    subscription_.reset();  // nothing after it is sent
  }
}

template <class Stream>
void EventStreamSession<Stream>::Queue(std::string frame, bool replayed) {
  if (closed_ || ending_) return;
  queue_.push_back({std::move(frame), replayed});
  queued_replay_ += replayed;
  if (!writing_) WriteNext();
}

template <class Stream>
void EventStreamSession<Stream>::WriteNext() {
  writing_ = true;
  auto on_written = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->queued_replay_ -= self->queue_.front().replayed;
    self->queue_.pop_front();
    if (ec) return self->StopStream();
    self->ReadPage();
    if (self->queue_.empty()) {
      self->writing_ = false;
      if (self->ending_) return self->Finish();
      if (!self->ws_) self->Transport().expires_never();
      return;
    }
    self->WriteNext();
  };
  if (ws_) return ws_->async_write(net::buffer(queue_.front().text), std::move(on_written));
  Transport().expires_after(shared_->options.body_timeout);
  net::async_write(stream_, net::buffer(queue_.front().text), std::move(on_written));
}

template <class Stream>
void EventStreamSession<Stream>::ScheduleHeartbeat() {
  heartbeat_.expires_after(shared_->options.heartbeat_interval);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    if (self->queue_.empty()) self->Queue(": keep-alive\n\n", false);
    self->ScheduleHeartbeat();
  });
}

// The client sends nothing on a stream; a completed read means it went away.
template <class Stream>
void EventStreamSession<Stream>::WatchForClose() {
  auto on_read = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->StopStream();
    self->WatchForClose();
  };
  // Over TLS through OpenSSL (a close_notify ends it too); plain, straight from the
  // socket, apart from the stream's write timer.
  if constexpr (kIsTls<Stream>) {
    stream_.async_read_some(net::buffer(discard_), std::move(on_read));
  } else {
    Transport().socket().async_read_some(net::buffer(discard_), std::move(on_read));
  }
}

// The last event is sent: a WebSocket closes with the code that says why (the client's
// next connection would be refused), SSE ends with its connection.
template <class Stream>
void EventStreamSession<Stream>::Finish() {
  if (ws_) return CloseWebSocket(ending_->close_code, ending_->reason);
  StopStream();
}

template <class Stream>
void EventStreamSession<Stream>::StopStream() {
  if (closed_) return;
  closed_ = true;
  Uncount();
  subscription_.reset();
  heartbeat_.cancel();
  beast::error_code ignored;
  Transport().socket().shutdown(tcp::socket::shutdown_both, ignored);
  Transport().socket().close(ignored);
}

// Gives the stream's place back: when the session ends, or as soon as its stream stops,
// so a subscriber that reconnects at once finds its place free.
template <class Stream>
void EventStreamSession<Stream>::Uncount() {
  if (!counted_) return;
  counted_ = false;
  shared_->limits.CloseStream(slot_.address, slot_.credential);
}

}  // namespace libsync::web
