// The server's store workers: every job runs, whoever posts it and however the threads
// happen to be idle (polling or asleep), and a job that waits for another is not left
// waiting while a worker sleeps.

#include "worker_pool.hpp"

#include <gtest/gtest.h>

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
