#include "metrics.hpp"

#include <cstdio>
#include <vector>

namespace libsync::web {

std::string RouteTemplate(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> s;
  for (std::size_t start = 1; start <= target.size();) {
    const std::size_t end = std::min(target.find('/', start), target.size());
    s.push_back(target.substr(start, end - start));
    start = end + 1;
  }
  if (target == "/metrics") return "/metrics";
  if (s.size() < 2 || s[0] != "api") return "unmatched";
  if (s[1] == "health" && s.size() == 2) return "/api/health";
  if (s[1] == "hook" && s.size() == 4) return "/api/hook/" + std::string(s[2]) + "/:id";
  if (s[1] != "projects") return "unmatched";
  if (s.size() == 2) return "/api/projects";
  if (s.size() == 4 && s[2] == "api-keys") return "/api/projects/api-keys/:keyId";
  if (s.size() == 3) return "/api/projects/:id";
  const std::string base = "/api/projects/:id/";
  if (s[3] == "docs") {
    if (s.size() == 4) return base + "docs";
    if (s.size() == 5 && s[4] == "sync") return base + "docs/sync";
    const std::string doc = base + "docs/:fileName";
    if (s.size() >= 6 && (s.back() == "history" || s.back() == "revert" || s.back() == "push")) {
      return doc + "/" + std::string(s.back());
    }
    if (s.size() >= 7 && s[s.size() - 2] == "versions") return doc + "/versions/:n";
    return doc;
  }
  if (s.size() == 4 && (s[3] == "api-keys" || s[3] == "push" || s[3] == "lock" || s[3] == "consumers" ||
                        s[3] == "events")) {
    return base + std::string(s[3]);
  }
  if (s.size() == 5 && s[3] == "lock" && (s[4] == "extend" || s[4] == "verify")) return base + "lock/" + std::string(s[4]);
  return "unmatched";
}

void Metrics::Record(std::string_view method, std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(method), std::string(route), status}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++bucket_counts_[i];
  }
  ++count_;
  sum_ += seconds;
  if (method == "POST" && route == "/api/projects/:id/lock" && status == 201) ++lock_grants_;
}

std::string Metrics::Render(std::size_t open_connections, std::size_t subscribers) const {
  std::lock_guard lock(mutex_);
  std::string out;
  char line[512];
  out += "# HELP libsync_http_requests_total HTTP requests by method, route and status.\n"
         "# TYPE libsync_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    std::snprintf(line, sizeof line, "libsync_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                  method.c_str(), route.c_str(), status, static_cast<unsigned long long>(n));
    out += line;
  }
  out += "# HELP libsync_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE libsync_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    std::snprintf(line, sizeof line, "libsync_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", kBuckets[i],
                  static_cast<unsigned long long>(bucket_counts_[i]));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "libsync_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                "libsync_http_request_duration_seconds_sum %.6f\n"
                "libsync_http_request_duration_seconds_count %llu\n",
                static_cast<unsigned long long>(count_), sum_, static_cast<unsigned long long>(count_));
  out += line;
  std::snprintf(line, sizeof line,
                "# HELP libsync_open_connections Open HTTP connections.\n# TYPE libsync_open_connections gauge\n"
                "libsync_open_connections %zu\n"
                "# HELP libsync_event_subscribers Live event streams.\n# TYPE libsync_event_subscribers gauge\n"
                "libsync_event_subscribers %zu\n"
                "# HELP libsync_lock_grants_total Locks granted over HTTP.\n# TYPE libsync_lock_grants_total counter\n"
                "libsync_lock_grants_total %llu\n",
                open_connections, subscribers, static_cast<unsigned long long>(lock_grants_));
  out += line;
  return out;
}

}  // namespace libsync::web
