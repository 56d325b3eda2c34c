// The server's store workers: every job runs, whoever posts it and however the threads
// happen to be idle (polling or asleep), and a job that waits for another is not left
// waiting while a worker sleeps.

#include "worker_pool.hpp"

#include <gtest/gtest.h>

#include <time.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

class WorkerPoolTest : public ::testing::TestWithParam<std::chrono::microseconds> {};

// Three posters, each waiting for its job before the next (a keep-alive client's pattern,
// where the pool goes idle between jobs), with pauses that let the poller give up and
// sleep; a quarter of the jobs post a second job from inside. Each job must run within
// seconds: one left in the queue while every worker sleeps fails here.
TEST_P(WorkerPoolTest, EveryJobRunsWhoeverPostsItAndHoweverTheWorkersIdle) {
  WorkerPool pool(2, GetParam(), 0us);
  std::atomic<int> ran{0};
  std::vector<std::thread> posters;
  std::atomic<int> stuck{0};
  constexpr int kJobs = 2000;
  for (int p = 0; p < 3; ++p) {
    posters.emplace_back([&, p] {
      for (int i = 0; i < kJobs; ++i) {
        std::promise<void> done;
        auto finished = done.get_future();
        const bool nested = (i + p) % 4 == 0;
        pool.Post([&, nested] {
          ran.fetch_add(1);
          if (!nested) return done.set_value();
          pool.Post([&] {
            ran.fetch_add(1);
            done.set_value();
          });
        });
        if (finished.wait_for(5s) != std::future_status::ready) {
          stuck.fetch_add(1);
          return;
        }
        if (i % 50 == 0) std::this_thread::sleep_for(GetParam() + 100us);  // past the poll: all asleep
      }
    });
  }
  for (auto& t : posters) t.join();
  EXPECT_EQ(stuck.load(), 0);
  EXPECT_EQ(ran.load(), 3 * kJobs + 3 * kJobs / 4);
}

// A job that blocks until a later job has run: the later one needs the second worker,
// whether that worker polls or sleeps when it is posted, and when both are posted at once
// to a polling worker (it takes the first and must wake the other for the second).
TEST_P(WorkerPoolTest, AJobWaitingForAnotherLeavesItTheSecondWorker) {
  WorkerPool pool(2, GetParam(), 0us);
  for (int round = 0; round < 200; ++round) {
    std::promise<void> second_ran;
    std::promise<bool> first_saw_it;
    auto saw = first_saw_it.get_future();
    pool.Post([&] {
      auto later = second_ran.get_future();
      first_saw_it.set_value(later.wait_for(5s) == std::future_status::ready);
    });
    if (round % 2 == 0) std::this_thread::sleep_for(GetParam() + 100us);
    pool.Post([&] { second_ran.set_value(); });
    ASSERT_TRUE(saw.get()) << "round " << round;
  }
}

// Two jobs that wait for a third, all three posted at once while one worker polls: none
// of the posts wakes a sleeper, so each job taken with more behind it must wake the next
// worker, or the third waits behind the two that wait for it.
TEST_P(WorkerPoolTest, ABurstGetsEveryWorkerNotJustTwo) {
  WorkerPool pool(4, GetParam(), 0us);
  for (int round = 0; round < 1000; ++round) {
    std::promise<void> third_ran;
    std::shared_future<void> third = third_ran.get_future().share();
    std::promise<bool> first_saw_it;
    std::promise<bool> second_saw_it;
    auto first = first_saw_it.get_future();
    auto second = second_saw_it.get_future();
    pool.Post([&, third] { first_saw_it.set_value(third.wait_for(2s) == std::future_status::ready); });
    pool.Post([&, third] { second_saw_it.set_value(third.wait_for(2s) == std::future_status::ready); });
    pool.Post([&] { third_ran.set_value(); });
    ASSERT_TRUE(first.get()) << "round " << round;
    ASSERT_TRUE(second.get()) << "round " << round;
  }
}

// Idle workers sleep while join waits for a job still running; they do not poll.
TEST_P(WorkerPoolTest, JoinWaitsForARunningJobWithoutSpinning) {
  WorkerPool pool(4, GetParam(), 0us);
  std::promise<void> started;
  pool.Post([&] {
    started.set_value();
    std::this_thread::sleep_for(300ms);
  });
  started.get_future().wait();
  std::this_thread::sleep_for(5ms);  // the other workers' polls end
  const auto cpu = [] {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
  };
  const auto before = cpu();
  pool.join();
  EXPECT_LT(cpu() - before, 100ms) << "idle workers spun while join waited";
}

TEST_P(WorkerPoolTest, JoinRunsWhatIsQueuedFirst) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, GetParam(), 0us);
    for (int i = 0; i < 1000; ++i) pool.Post([&] { ran.fetch_add(1); });
    pool.join();
    EXPECT_EQ(ran.load(), 1000);
  }
}

INSTANTIATE_TEST_SUITE_P(IdlePolls, WorkerPoolTest, ::testing::Values(0us, 50us, 200us),
                         [](const ::testing::TestParamInfo<std::chrono::microseconds>& poll) {
                           return "poll" + std::to_string(poll.param.count()) + "us";
                         });

}  // namespace
}  // namespace libsync::web
