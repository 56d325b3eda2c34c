#pragma once
// Request counters and latency histogram for /metrics, in Prometheus text format.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "libsync/thread_annotations.hpp"
#include "thread_shard.hpp"

namespace libsync::web {

/// The method as a label: one of the methods HTTP defines for such APIs, else "other".
std::string_view MethodLabel(std::string_view method);

/// Thread-safe. Each thread counts into a shard of its own (ThreadShard); Render adds them.
class Metrics {
 public:
  /// Counts one answered request. `target` is the request target as received.
  void Record(std::string_view method, std::string_view target, int status, double seconds);

  /// The exposition text, with the gauges the server passes in (`per_thread`: open
  /// connections of each network thread).
  std::string Render(std::size_t open_connections, std::size_t subscribers,
                     const std::vector<std::size_t>& per_thread = {}) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  using RequestKey = std::tuple<std::string_view, std::string_view, int>;  // static labels
  struct Counts {
    std::map<RequestKey, std::uint64_t> requests;
    std::array<std::uint64_t, kBuckets.size()> bucket_counts{};
    std::uint64_t count = 0;
    double sum = 0;
    std::uint64_t lock_grants = 0;
    std::uint64_t webhooks_refused = 0;  // bad or missing signature (401)
  };
  struct alignas(64) Shard {
    mutable Mutex mutex;
    Counts counts LIBSYNC_GUARDED_BY(mutex);
  };
  std::array<Shard, kThreadShards> shards_;
};

}  // namespace libsync::web
