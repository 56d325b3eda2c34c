#pragma once
// Moving a connection to another network thread: its socket re-registered with that
// thread's io_context. The acceptor uses it to hand a new connection to the thread
// ConnectionPlacement chose, and an HTTP session to follow its client to another CPU.

#include <boost/asio.hpp>

#include <optional>

namespace libsync::web {

/// The same connection, registered with `to` (whose thread serves it from now on); nullopt
/// when the system refuses, the socket then closed unless it was never released from
/// `socket` (check socket.is_open()). Call on the thread that runs `socket`.
std::optional<boost::asio::ip::tcp::socket> MoveSocket(boost::asio::ip::tcp::socket& socket,
                                                       boost::asio::ip::tcp protocol, boost::asio::io_context& to);

}  // namespace libsync::web
