#include "connection_move.hpp"

#include <unistd.h>

namespace libsync::web {

std::optional<boost::asio::ip::tcp::socket> MoveSocket(boost::asio::ip::tcp::socket& socket,
                                                       boost::asio::ip::tcp protocol, boost::asio::io_context& to) {
  boost::system::error_code ec;
  const auto handle = socket.release(ec);
  if (ec) return std::nullopt;
  boost::asio::ip::tcp::socket moved(to);
  moved.assign(protocol, handle, ec);
  if (ec) {
    ::close(handle);
    return std::nullopt;
  }
  return moved;
}

}  // namespace libsync::web
