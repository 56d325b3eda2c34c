#pragma once
// A TCP server on loopback whose every connection is served by a test-supplied function on
// a thread of its own: remotes that accept and never answer, or answer a byte at a time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace libsync::testing {

class LoopbackServer {
 public:
  /// `serve(fd)` runs once per accepted connection; it should return when a read or a
  /// write on `fd` fails, which happens at the latest when the server is destroyed.
  explicit LoopbackServer(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~LoopbackServer() { Stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "/acme/docs.git") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_; }

  /// Closes every connection (so a client blocked on one wakes up) and joins the threads.
  void Stop() {
    if (stopped_.exchange(true)) return;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    acceptor_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      for (int client : clients_) shutdown(client, SHUT_RDWR);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    for (int client : clients_) close(client);
  }

 private:
  void Accept() {
    for (;;) {
      const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      ++connections_;
      std::lock_guard lock(mutex_);
      clients_.push_back(client);
      threads_.emplace_back([this, client] { serve_(client); });
    }
  }

  std::function<void(int fd)> serve_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> clients_;
  std::vector<std::thread> threads_;
};

/// Reads the request and then nothing more: a remote that accepted and went quiet.
inline void NeverAnswer(int fd) {
  char buffer[4096];
  while (recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
}

/// Reads one HTTP request head.
inline std::string ReadRequestHead(int fd) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  return request;
}

/// Sends `text` `chunk` bytes at a time with `gap` between them; false once the peer left.
inline bool Dribble(int fd, const std::string& text, std::size_t chunk, std::chrono::milliseconds gap) {
  for (std::size_t at = 0; at < text.size(); at += chunk) {
    if (at > 0) std::this_thread::sleep_for(gap);
    const std::size_t n = std::min(chunk, text.size() - at);
    if (send(fd, text.data() + at, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) return false;
  }
  return true;
}

/// A pkt-line of git's smart protocol.
inline std::string PktLine(const std::string& payload) {
  char length[5];
  std::snprintf(length, sizeof length, "%04zx", payload.size() + 4);
  return length + payload;
}

/// The smart-HTTP answer to GET info/refs?service=git-upload-pack for a repository whose
/// only branch is `other`: a fetch of main then finds nothing to download and ends there.
inline std::string RefAdvertisementWithoutMain() {
  const std::string body = PktLine("# service=git-upload-pack\n") + "0000" +
                           PktLine(std::string(40, '1') + " refs/heads/other" + std::string(1, '\0') +
                                   "multi_ack side-band-64k ofs-delta\n") +
                           "0000";
  return "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\n"
         "Cache-Control: no-cache\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace libsync::testing
