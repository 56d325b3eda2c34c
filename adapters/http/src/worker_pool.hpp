#pragma once
// WorkerPool: the threads that run store work for the server's connections.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <utility>
#include <vector>

#include "libsync/thread_annotations.hpp"

namespace libsync::web {

/// Threads for store work. One idle thread at a time polls for the next job a while
/// (idle_poll) before it sleeps; the others sleep at once and are woken only when a job
/// comes with nobody polling, or when a job is taken with more queued behind it. Under a
/// steady stream of requests a job is picked up by a thread that is still awake, not handed
/// over with a wake-up each (which cost a doc GET a tenth of its throughput on two cores);
/// and there is never more than one thread polling to take CPU from the threads at work
/// (every idle worker polling cost the lock cycle over HTTP a tenth on two cores:
/// docs/performance.md, "Lock cycle over HTTP").
class WorkerPool {
 public:
  WorkerPool(int threads, std::chrono::microseconds idle_poll, std::chrono::microseconds slice);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { join(); }

  /// Runs `job` on a worker.
  template <class Job>
  void Post(Job&& job) {
    queued_.fetch_add(1);
    boost::asio::post(context_, [this, job = std::forward<Job>(job)]() mutable {
      Started();
      job();
    });
    Posted();
  }

  /// Runs what is queued, then ends the threads.
  void join();

 private:
  void Run(std::chrono::microseconds idle_poll, std::chrono::microseconds slice);
  /// Polls for up to `idle_poll` as the pool's one poller, unless another thread polls
  /// already. True when it ran a job.
  bool PollAWhile(std::chrono::microseconds idle_poll);
  /// A job joined the queue: wakes a sleeper when no thread polls.
  void Posted();
  /// A job leaves the queue: a poller is one no longer; a sleeper is woken for the jobs
  /// still queued.
  void Started();
  /// This thread stops being the pool's poller.
  void GiveUpPolling();
  void WakeOne() LIBSYNC_EXCLUDES(mutex_);

  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ = boost::asio::make_work_guard(context_);
  std::atomic<int> queued_{0};   // posted, not yet started
  std::atomic<int> polling_{0};  // 0 or 1
  Mutex mutex_;
  std::condition_variable_any wake_;  // a job is queued, or the pool is stopping
  bool stopping_ LIBSYNC_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace libsync::web
