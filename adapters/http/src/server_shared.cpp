#include "server_shared.hpp"

#include <algorithm>

#include "fd_limit.hpp"
#include "response_text.hpp"
#include "scheduler_slice.hpp"
#include "spin_poll.hpp"

namespace libsync::web {

void RunPolling(net::io_context& context, std::chrono::microseconds idle_poll, std::chrono::microseconds slice) {
  if (slice.count() > 0) SetSchedulerSlice(slice);
  if (idle_poll.count() <= 0) {
    context.run();
    return;
  }
  while (!context.stopped()) {
    if (context.poll() > 0) continue;
    if (!SpinPoll(context, idle_poll, [&] { return context.poll(); })) context.run_one();
  }
}

Shared::Shared(const Api& a, ServerOptions o)
    : api(a),
      options(std::move(o)),
      workers(std::max(1, options.worker_threads), options.idle_poll, options.scheduler_slice),
      git_workers(static_cast<std::size_t>(std::max(1, options.git_threads))),
      placement(NetworkThreadCpus(std::max(1, options.network_threads), options.pin_network_threads)),
      limits(DeriveCaps({.connections = options.max_connections,
                         .connections_per_address = options.max_connections_per_address,
                         .streams = options.max_subscribers,
                         .streams_per_address = options.max_streams_per_address,
                         .streams_per_credential = options.max_streams_per_credential},
                        OpenFileLimit())) {
  for (std::size_t i = 0; i < placement.threads(); ++i) waiting.push_back(std::make_unique<IdleConnections>());
}

void Shared::Record(const Request& request, int status, std::chrono::steady_clock::time_point started) {
  const auto elapsed = std::chrono::steady_clock::now() - started;
  metrics.Record(request.method, request.target, status, std::chrono::duration<double>(elapsed).count());
  if (!options.access_log) return;
  // The path only: queries may carry a reason or a browser's token.
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  LogShard& log = logs_[ThreadShard()];
  MutexLock lock(log.mutex);
  log.buffer.append(request.method).append(" ").append(path).append(" ");
  AppendNumber(log.buffer, status);
  log.buffer.append(" ");
  AppendNumber(log.buffer, static_cast<long long>(micros));
  log.buffer.append("us\n");
  if (log.buffer.size() >= 16 * 1024) log.Flush();
}

void Shared::FlushLog() {
  for (LogShard& log : logs_) {
    MutexLock lock(log.mutex);
    log.Flush();
  }
}

}  // namespace libsync::web
