#pragma once
// SpinPoll: the short busy wait of an idle thread that expects work within microseconds.

#include <sched.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

namespace libsync::web {

/// Yields and calls `poll` (the context's poll or poll_one) until it runs a handler, for at
/// most `budget` or until `context` stops. True when a handler ran. A wake-up from sleep
/// costs a request about as much as its own work on a cached read; a thread that yields
/// between polls takes the next one without it, and gives its core to any thread at work.
template <class Poll>
bool SpinPoll(boost::asio::io_context& context, std::chrono::microseconds budget, Poll&& poll) {
  using Clock = std::chrono::steady_clock;
  for (const auto until = Clock::now() + budget; Clock::now() < until && !context.stopped();) {
    sched_yield();
    if (poll() > 0) return true;
  }
  return false;
}

}  // namespace libsync::web
