#pragma once
// Per-thread shards for state every request updates (metrics, the access log): each thread
// keeps to one shard, so the threads answering requests do not pass one mutex and its
// cache lines back and forth between CPUs on every request.

#include <atomic>
#include <cstddef>

namespace libsync::web {

inline constexpr std::size_t kThreadShards = 8;

/// The calling thread's shard, in [0, kThreadShards): threads take them in turn as they
/// first ask, so a server's few threads each get their own.
inline std::size_t ThreadShard() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kThreadShards;
  return shard;
}

}  // namespace libsync::web
