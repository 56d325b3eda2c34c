#pragma once
// A loopback TCP proxy that can stop forwarding on the connections it carries without
// closing them: what a network partition or a failover that reset nothing looks like
// from the client's side (no FIN, no RST, just silence). New connections are forwarded.
// It also counts round trips: the times a client speaks again after the server answered.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace libsync::testing {

class StallingProxy {
 public:
  /// Listens on a free loopback port and forwards to 127.0.0.1:`target_port`.
  explicit StallingProxy(int target_port) : target_port_(target_port) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("proxy: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~StallingProxy() {
    stopping_ = true;
    thread_.join();
    for (const Pair& p : pairs_) {
      close(p.client);
      close(p.server);
    }
    close(listen_fd_);
  }
  /// In front of the throwaway cluster at `cluster_url` (postgresql://user@127.0.0.1:PORT/db);
  /// url() is that URL through the proxy.
  explicit StallingProxy(const std::string& cluster_url) : StallingProxy(PortOf(cluster_url)) {
    const std::string host = "@127.0.0.1:";
    const std::size_t at = cluster_url.find(host) + host.size();
    url_ = cluster_url;
    url_.replace(at, cluster_url.find('/', at) - at, std::to_string(port_));
  }
  StallingProxy(const StallingProxy&) = delete;
  StallingProxy& operator=(const StallingProxy&) = delete;

  int port() const { return port_; }
  /// The cluster's URL through this proxy (when made from one).
  const std::string& url() const { return url_; }
  /// Every connection open now stops carrying bytes, both ways, and stays open.
  void StallOpenConnections() {
    std::lock_guard lock(mutex_);
    for (Pair& p : pairs_) p.stalled = true;
  }
  /// Connections accepted so far.
  int accepted() const { return accepted_; }
  /// Round trips so far, on every connection: the times a client sent after its server
  /// had sent (or for the first time). A pipeline of statements is one; each statement
  /// waited for is one.
  int round_trips() const { return round_trips_; }
  /// Round trips so far on the `index`th connection accepted (0: the first).
  int round_trips_on(std::size_t index) {
    std::lock_guard lock(mutex_);
    return index < pairs_.size() ? pairs_[index].round_trips : 0;
  }

 private:
  static int PortOf(const std::string& cluster_url) {
    const std::string host = "@127.0.0.1:";
    const std::size_t at = cluster_url.find(host);
    if (at == std::string::npos) throw std::runtime_error("proxy: not a loopback cluster URL: " + cluster_url);
    return std::stoi(cluster_url.substr(at + host.size()));
  }

  struct Pair {
    int client;
    int server;
    bool stalled = false;
    bool finished = false;  // one side closed; the close was passed on
    bool server_spoke_last = true;
    int round_trips = 0;
  };

  void Run() {
    while (!stopping_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      std::vector<std::size_t> owner{0};
      {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < pairs_.size(); ++i) {
          if (pairs_[i].stalled || pairs_[i].finished) continue;
          fds.push_back({pairs_[i].client, POLLIN, 0});
          fds.push_back({pairs_[i].server, POLLIN, 0});
          owner.push_back(i);
          owner.push_back(i);
        }
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) Accept();
      std::lock_guard lock(mutex_);
      for (std::size_t k = 1; k < fds.size(); ++k) {
        if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Pair& p = pairs_[owner[k]];
        if (p.stalled || p.finished) continue;
        const int to = fds[k].fd == p.client ? p.server : p.client;
        char buf[16384];
        const ssize_t n = read(fds[k].fd, buf, sizeof buf);
        if (n <= 0) {  // one side closed: pass the close on
          shutdown(to, SHUT_WR);
          p.finished = true;
          continue;
        }
        const bool from_client = fds[k].fd == p.client;
        if (from_client && p.server_spoke_last) {
          ++round_trips_;
          ++p.round_trips;
        }
        p.server_spoke_last = !from_client;
        for (ssize_t off = 0; off < n;) {
          const ssize_t w = write(to, buf + off, static_cast<std::size_t>(n - off));
          if (w <= 0) break;
          off += w;
        }
      }
    }
  }

  void Accept() {
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(target_port_));
    if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(client);
      close(server);
      return;
    }
    std::lock_guard lock(mutex_);
    pairs_.push_back({client, server});
    ++accepted_;
  }

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::string url_;
  std::mutex mutex_;
  std::vector<Pair> pairs_;
  std::atomic<int> accepted_{0};
  std::atomic<int> round_trips_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace libsync::testing
