#include "metrics.hpp"

#include <cstdio>

#include "libsync/version.hpp"
#include "routes/route_match.hpp"

namespace libsync::web {

std::string_view MethodLabel(std::string_view method) {
  for (const std::string_view known : {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}) {
    if (method == known) return known;
  }
  return "other";
}

void Metrics::Record(std::string_view method, std::string_view target, int status, double seconds) {
  // Every label is a static string or a small number: nothing here allocates but a first
  // counter, and a client cannot mint new series.
  const std::string_view method_label = MethodLabel(method);
  const std::string_view route_label = RouteLabel(method, target);
  Shard& shard = shards_[ThreadShard()];
  MutexLock lock(shard.mutex);
  Counts& counts = shard.counts;
  ++counts.requests[{method_label, route_label, status}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++counts.bucket_counts[i];
  }
  ++counts.count;
  counts.sum += seconds;
  if (method_label == "POST" && route_label == "/api/projects/:id/lock" && status == 201) ++counts.lock_grants;
  // Someone is knocking with the wrong secret (or none): worth an alert of its own.
  if (method_label == "POST" && route_label == "/api/projects/:id/git/webhook" && status == 401) {
    ++counts.webhooks_refused;
  }
}

std::string Metrics::Render(std::size_t open_connections, std::size_t subscribers,
                            const std::vector<std::size_t>& per_thread) const {
  Counts total;
  for (const Shard& shard : shards_) {
    MutexLock lock(shard.mutex);
    const Counts& counts = shard.counts;
    for (const auto& [key, n] : counts.requests) total.requests[key] += n;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) total.bucket_counts[i] += counts.bucket_counts[i];
    total.count += counts.count;
    total.sum += counts.sum;
    total.lock_grants += counts.lock_grants;
    total.webhooks_refused += counts.webhooks_refused;
  }
  std::string out;
  char line[512];
  out += "# HELP libsync_http_requests_total HTTP requests by method, route and status.\n"
         "# TYPE libsync_http_requests_total counter\n";
  for (const auto& [key, n] : total.requests) {
    const auto& [method, route, status] = key;
    std::snprintf(line, sizeof line, "libsync_http_requests_total{method=\"%.*s\",route=\"%.*s\",status=\"%d\"} %llu\n",
                  static_cast<int>(method.size()), method.data(), static_cast<int>(route.size()), route.data(), status,
                  static_cast<unsigned long long>(n));
    out += line;
  }
  out += "# HELP libsync_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE libsync_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(line, sizeof line, "libsync_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", kBuckets[i],
                  static_cast<unsigned long long>(total.bucket_counts[i]));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "libsync_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                "libsync_http_request_duration_seconds_sum %.6f\n"
                "libsync_http_request_duration_seconds_count %llu\n",
                static_cast<unsigned long long>(total.count), total.sum, static_cast<unsigned long long>(total.count));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP libsync_open_connections Open HTTP connections.\n# TYPE libsync_open_connections gauge\n"
                "libsync_open_connections %zu\n"
                "# HELP libsync_event_subscribers Live event streams.\n# TYPE libsync_event_subscribers gauge\n"
                "libsync_event_subscribers %zu\n"
                "# HELP libsync_lock_grants_total Locks granted over HTTP.\n# TYPE libsync_lock_grants_total counter\n"
                "libsync_lock_grants_total %llu\n",
                open_connections, subscribers, static_cast<unsigned long long>(total.lock_grants));
  out += line;
  // Prometheus's build-info convention: a constant 1 whose labels say what is running, so
  // a dashboard can tell the servers of a rolling upgrade apart.
  std::snprintf(line, sizeof line,
                "# HELP libsync_build_info The running server's version.\n# TYPE libsync_build_info gauge\n"
                "libsync_build_info{version=\"%.*s\"} 1\n",
                static_cast<int>(kVersion.size()), kVersion.data());
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP libsync_webhook_signature_failures_total Push webhooks refused for a bad or missing signature.\n"
                "# TYPE libsync_webhook_signature_failures_total counter\n"
                "libsync_webhook_signature_failures_total %llu\n",
                static_cast<unsigned long long>(total.webhooks_refused));
  out += line;
  if (!per_thread.empty()) {
    out += "# HELP libsync_network_thread_connections Open HTTP connections by network thread.\n"
           "# TYPE libsync_network_thread_connections gauge\n";
    for (std::size_t i = 0; i < per_thread.size(); ++i) {
      std::snprintf(line, sizeof line, "libsync_network_thread_connections{thread=\"%zu\"} %zu\n", i, per_thread[i]);
      out += line;
    }
  }
  return out;
}

}  // namespace libsync::web
