#include "worker_pool.hpp"

#include "scheduler_slice.hpp"
#include "spin_poll.hpp"

namespace libsync::web {

namespace {
// Whether this thread is its WorkerPool's poller, so that the job it takes can hand the
// role back (WorkerPool::Started). One flag for every pool: a thread serves one pool.
thread_local bool this_thread_polls = false;
}  // namespace

WorkerPool::WorkerPool(int threads, std::chrono::microseconds idle_poll, std::chrono::microseconds slice) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, idle_poll, slice] { Run(idle_poll, slice); });
  }
}

void WorkerPool::Run(std::chrono::microseconds idle_poll, std::chrono::microseconds slice) {
  if (slice.count() > 0) SetSchedulerSlice(slice);
  while (!context_.stopped()) {
    if (context_.poll_one() > 0 || PollAWhile(idle_poll)) continue;
    MutexLock lock(mutex_);
    if (stopping_) {
      // Whatever is still queued or running is Asio's to finish: run() sleeps until there
      // is a job, and returns once the last one ends (join reset the work guard).
      lock.unlock();
      context_.run();
      return;
    }
    wake_.wait(lock, [&]() LIBSYNC_REQUIRES(mutex_) { return queued_.load() > 0 || stopping_; });
  }
}

bool WorkerPool::PollAWhile(std::chrono::microseconds idle_poll) {
  if (idle_poll.count() <= 0) return false;
  int none = 0;
  if (!polling_.compare_exchange_strong(none, 1)) return false;
  this_thread_polls = true;
  const bool ran = SpinPoll(context_, idle_poll, [&] { return context_.poll_one(); });
  if (this_thread_polls) GiveUpPolling();  // timed out (else the job it ran gave the role back)
  return ran;
}

void WorkerPool::Posted() {
  // Before or after a poller gives up: either it sees this job queued (Run's wait), or this
  // sees no poller and wakes a sleeper. Both counters are sequentially consistent.
  if (polling_.load() == 0) WakeOne();
}

void WorkerPool::Started() {
  const bool more_queued = queued_.fetch_sub(1) > 1;
  if (this_thread_polls) GiveUpPolling();
  // Whoever takes a job with more behind it wakes a sleeper for them, so a burst posted
  // while one thread polled (none of its posts woke anyone) gets every worker in turn.
  if (more_queued) WakeOne();
}

void WorkerPool::GiveUpPolling() {
  this_thread_polls = false;
  polling_.store(0);
}

void WorkerPool::WakeOne() {
  MutexLock lock(mutex_);
  wake_.notify_one();
}

void WorkerPool::join() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  guard_.reset();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace libsync::web
