#include "store_call_placement.hpp"

namespace libsync::web {

bool StoreCallPlacement::TryRunHere() {
  if (!here_when_idle_) return false;
  std::size_t idle = 0;
  // One winner among network threads that look at once; a call queued meanwhile makes
  // the exchange fail, and the request goes to the workers behind it.
  if (!in_flight_.compare_exchange_strong(idle, 1, std::memory_order_acq_rel)) return false;
  ran_here_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void StoreCallPlacement::Queued() {
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  queued_.fetch_add(1, std::memory_order_relaxed);
}

std::string StoreCallPlacement::MetricsText() const {
  return "# HELP libsync_http_store_calls_total Requests answered from the store, by the thread that ran the call.\n"
         "# TYPE libsync_http_store_calls_total counter\n"
         "libsync_http_store_calls_total{thread=\"network\"} " +
         std::to_string(ran_here()) +
         "\n"
         "libsync_http_store_calls_total{thread=\"worker\"} " +
         std::to_string(queued()) + "\n";
}

}  // namespace libsync::web
