#include "connection_limits.hpp"

#include <algorithm>

#include "fd_limit.hpp"

namespace libsync::web {
namespace {

void Release(std::map<std::string, std::size_t, std::less<>>& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it == counts.end()) return;
  if (--it->second == 0) counts.erase(it);
}

std::size_t CountOf(const std::map<std::string, std::size_t, std::less<>>& counts, const std::string& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

ConnectionCaps DeriveCaps(const ConnectionCaps& wanted, std::size_t file_limit) {
  const std::size_t reserved = ReservedFiles(file_limit);
  const std::size_t budget = file_limit > reserved ? file_limit - reserved : 2;
  ConnectionCaps caps;
  caps.streams = std::clamp<std::size_t>(wanted.streams, 1, std::max<std::size_t>(1, budget / 2));
  caps.connections = std::clamp<std::size_t>(wanted.connections, 1, std::max<std::size_t>(1, budget - budget / 2));
  caps.connections_per_address = std::clamp<std::size_t>(wanted.connections_per_address, 1,
                                                         std::max<std::size_t>(1, caps.connections / 2));
  const std::size_t per_client = std::max<std::size_t>(1, caps.streams / 2);
  caps.streams_per_address = std::clamp<std::size_t>(wanted.streams_per_address, 1, per_client);
  caps.streams_per_credential = std::clamp<std::size_t>(wanted.streams_per_credential, 1, per_client);
  return caps;
}

bool ConnectionLimits::TryOpenConnection() {
  if (connections_.fetch_add(1, std::memory_order_relaxed) < caps_.connections) return true;
  connections_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

bool ConnectionLimits::TryOpenFromAddress(const std::string& address) {
  MutexLock lock(mutex_);
  std::size_t& held = connections_by_address_[address];
  if (held >= caps_.connections_per_address) {
    if (held == 0) connections_by_address_.erase(address);
    return false;
  }
  ++held;
  return true;
}

void ConnectionLimits::CloseFromAddress(const std::string& address) {
  MutexLock lock(mutex_);
  Release(connections_by_address_, address);
}

Status ConnectionLimits::OpenStream(const std::string& address, const std::string& credential) {
  MutexLock lock(mutex_);
  if (streams_ >= caps_.streams) return Status::Unavailable("too many event streams; retry later");
  if (CountOf(by_address_, address) >= caps_.streams_per_address) {
    return Status(ErrorCode::kRateLimited, "too many event streams from this address (at most " +
                                               std::to_string(caps_.streams_per_address) + ")");
  }
  if (CountOf(by_credential_, credential) >= caps_.streams_per_credential) {
    return Status(ErrorCode::kRateLimited, "too many event streams for this credential (at most " +
                                               std::to_string(caps_.streams_per_credential) + ")");
  }
  ++streams_;
  ++by_address_[address];
  ++by_credential_[credential];
  return Status::Ok();
}

void ConnectionLimits::CloseStream(const std::string& address, const std::string& credential) {
  MutexLock lock(mutex_);
  --streams_;
  Release(by_address_, address);
  Release(by_credential_, credential);
}

std::size_t ConnectionLimits::streams() const {
  MutexLock lock(mutex_);
  return streams_;
}

}  // namespace libsync::web
