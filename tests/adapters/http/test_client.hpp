#pragma once
// A raw TCP client for the server tests: what a test sends is exactly what the server
// receives, malformed or slow requests included.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <string>
#include <vector>

namespace libsync::web {

using namespace std::chrono_literals;

class Client {
 public:
  /// `source`: the local address to connect from ("127.0.0.2" is another client to the
  /// server, on the same loopback interface); the kernel picks when null.
  explicit Client(std::uint16_t port, const char* source = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (source) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source, &local.sin_addr);
      (void)bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) { (void)send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  /// Reads one response (headers + Content-Length body), or what arrives before the peer
  /// closes or `timeout` passes.
  std::string ReadResponse(std::chrono::milliseconds timeout = 3000ms) {
    std::string data;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const auto cl = data.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        if (data.size() >= header_end + 4 + length) return data.substr(0, header_end + 4 + length);
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
  }
  bool closed() const { return closed_; }
  int fd() const { return fd_; }  // for a TLS layer on top (tls_test_client.hpp)
  /// Whatever bytes arrive within `timeout` (for streams, which have no length).
  std::string ReadRaw(std::chrono::milliseconds timeout) {
    std::string data;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return data;
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed_ = true;
      return data;
    }
    return data.append(buffer, static_cast<std::size_t>(n));
  }
  std::string Get(const std::string& target, const std::string& headers = "") {
    Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    return ReadResponse();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

inline int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

/// The value of header `name` (lower case) in a raw response, or "(absent)".
inline std::string HeaderOf(const std::string& response, const std::string& name) {
  const std::string head = response.substr(0, response.find("\r\n\r\n") + 2);
  std::string lower = head;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto at = lower.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "(absent)";
  const auto from = at + 4 + name.size();
  return head.substr(from, head.find("\r\n", from) - from);
}

/// Reads from `c` until `needle` has arrived (or the time is up); returns what was read.
inline std::string ReadUntil(Client& c, const std::string& needle, std::chrono::milliseconds timeout = 3000ms) {
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (seen.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline && !c.closed()) {
    seen += c.ReadRaw(100ms);
  }
  return seen;
}

/// The opening request of a WebSocket handshake (RFC 6455 §4.1) for `target`.
inline std::string WebSocketUpgrade(const std::string& target, const std::string& headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + headers + "\r\n";
}

struct WsFrame {
  int opcode = 0;  // 1 text, 8 close, 9 ping, 10 pong
  std::string payload;
};

/// Splits complete server frames (unmasked, RFC 6455 §5.2) off the front of `bytes`.
inline std::vector<WsFrame> TakeWsFrames(std::string& bytes) {
  std::vector<WsFrame> out;
  for (;;) {
    if (bytes.size() < 2) return out;
    const auto b1 = static_cast<unsigned char>(bytes[1]);
    std::size_t header = 2;
    std::size_t length = b1 & 0x7F;
    if (length == 126) {
      if (bytes.size() < 4) return out;
      length = static_cast<unsigned char>(bytes[2]) << 8 | static_cast<unsigned char>(bytes[3]);
      header = 4;
    } else if (length == 127) {
      if (bytes.size() < 10) return out;
      length = 0;
      for (int i = 2; i < 10; ++i) length = length << 8 | static_cast<unsigned char>(bytes[i]);
      header = 10;
    }
    if (bytes.size() < header + length) return out;
    out.push_back({static_cast<unsigned char>(bytes[0]) & 0x0F, bytes.substr(header, length)});
    bytes.erase(0, header + length);
  }
}

/// Reads frames from `c` (after the handshake's response) until `count` text frames have
/// arrived, a close frame has (nothing follows it), or the time is up; `pending` carries
/// bytes between calls.
inline std::vector<WsFrame> ReadWsFrames(Client& c, std::string& pending, std::size_t count,
                                         std::chrono::milliseconds timeout = 3000ms) {
  std::vector<WsFrame> frames;
  std::size_t texts = 0;
  bool closing = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (texts < count && !closing && std::chrono::steady_clock::now() < deadline && !c.closed()) {
    pending += c.ReadRaw(50ms);
    for (auto& f : TakeWsFrames(pending)) {
      texts += f.opcode == 1;
      closing = closing || f.opcode == 8;
      frames.push_back(std::move(f));
    }
  }
  return frames;
}

}  // namespace libsync::web
