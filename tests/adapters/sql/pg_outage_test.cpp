// PostgreSQL going away and coming back under a store that is in use: a crash-restart of
// the server (pg_ctl -m immediate) and an administrator's pg_terminate_backend. Calls
// made while it is away fail with kUnavailable (503), never kInternal (500); once it
// accepts connections again, calls succeed within a second, with no restart of the store.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"
#include "sql_services.hpp"

namespace libsync::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  Clock::time_point start, end;
  ErrorCode code;
};

/// Several threads calling the store (doc writes, doc reads, lock grants and releases)
/// until stopped, every outcome recorded.
class Load {
 public:
  Load(SqlServices& svc, const std::string& project, const std::string& locked_project)
      : svc_(svc), project_(project), locked_project_(locked_project) {}
  ~Load() { Stop(); }

  void Start(int writers) {
    for (int i = 0; i < writers; ++i) {
      threads_.emplace_back([this, i] {
        for (int n = 0; !stop_; ++n) {
          Call([&] {
            return svc_.sync.docs().Put(svc_.admin, project_, "w" + std::to_string(i) + ".md", "v" + std::to_string(n))
                .status();
          });
        }
      });
    }
    threads_.emplace_back([this] {
      while (!stop_) Call([&] { return svc_.sync.docs().Get(svc_.admin, project_, "w0.md").status(); });
    });
    threads_.emplace_back([this] {
      while (!stop_) {
        Call([&] { return svc_.sync.locks().Acquire(svc_.admin, locked_project_, {.locked_by = "load"}).status(); });
        Call([&] { return svc_.sync.locks().ForceRelease(svc_.admin, locked_project_, "load").status(); });
      }
    });
  }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::vector<Outcome> outcomes() {
    std::lock_guard lock(mutex_);
    return outcomes_;
  }

 private:
  template <class Fn>
  void Call(Fn&& fn) {
    const auto start = Clock::now();
    const Status s = fn();
    {
      std::lock_guard lock(mutex_);
      outcomes_.push_back({start, Clock::now(), s.code()});
      if (s.code() != ErrorCode::kOk && s.code() != ErrorCode::kUnavailable && s.code() != ErrorCode::kNotFound &&
          s.code() != ErrorCode::kLockHeld && unexpected_.size() < 5) {
        unexpected_.push_back(s.ToString());
      }
    }
    // A client told to retry later waits a little rather than spinning.
    if (!s.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  SqlServices& svc_;
  std::string project_;
  std::string locked_project_;  // the lock cycle's own, so doc writes are not Locked
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<Outcome> outcomes_;

 public:
  std::vector<std::string> unexpected_;  // a few of the failures that are neither 503 nor expected
};

struct Summary {
  std::map<ErrorCode, int> counts;
  double recovery_ms = 0;  // from `back` to the end of the last failed call that started after it
  int failed_late = 0;     // failures of calls started more than a second after `back`
};

Summary Summarize(const std::vector<Outcome>& outcomes, Clock::time_point back) {
  Summary s;
  for (const Outcome& o : outcomes) {
    ++s.counts[o.code];
    const bool failed = o.code == ErrorCode::kUnavailable || o.code == ErrorCode::kInternal;
    if (!failed || o.start < back) continue;
    s.recovery_ms = std::max(s.recovery_ms, std::chrono::duration<double, std::milli>(o.end - back).count());
    if (o.start > back + std::chrono::seconds(1)) ++s.failed_late;
  }
  return s;
}

void Report(const char* what, const Summary& s) {
  std::cout << "[ outage   ] " << what << ": calls " << [&] {
    int n = 0;
    for (auto& [code, count] : s.counts) n += count;
    return n;
  }() << ", 503 " << (s.counts.count(ErrorCode::kUnavailable) ? s.counts.at(ErrorCode::kUnavailable) : 0)
            << ", 500 " << (s.counts.count(ErrorCode::kInternal) ? s.counts.at(ErrorCode::kInternal) : 0)
            << ", recovered " << s.recovery_ms << " ms after PostgreSQL was back\n";
}

class PostgresOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    LIBSYNC_POSTGRES_OR_SKIP(cluster);
    cluster_ = cluster;
    url_ = cluster_->NewDatabase();
    std::string error;
    svc_ = SqlServices::Open({.url = url_, .pool_size = 4}, &error);
    ASSERT_NE(svc_, nullptr) << error;
    auto project = svc_->sync.projects().Create(svc_->admin, {.name = "web", .repo_url = "x"});
    ASSERT_TRUE(project.has_value()) << project.error().ToString();
    project_ = project->id;
    auto other = svc_->sync.projects().Create(svc_->admin, {.name = "locks", .repo_url = "x"});
    ASSERT_TRUE(other.has_value()) << other.error().ToString();
    locked_project_ = other->id;
  }
  void TearDown() override {
    // A failed test must not leave the shared cluster down for the next one.
    if (!cluster_) return;
    PGconn* probe = PQconnectdb(cluster_->AdminConnectString().c_str());
    const bool up = PQstatus(probe) == CONNECTION_OK;
    PQfinish(probe);
    if (!up) (void)cluster_->Start();
  }

  Status Ping() { return svc_->sync.docs().Put(svc_->admin, project_, "ping.md", "ping " + std::to_string(++pings_)).status(); }

  PostgresCluster* cluster_ = nullptr;
  std::string url_;
  std::unique_ptr<SqlServices> svc_;
  std::string project_;
  std::string locked_project_;
  int pings_ = 0;
};

TEST_F(PostgresOutage, CrashRestartUnderLoadAnswers503ThenRecoversWithinASecond) {
  Load load(*svc_, project_, locked_project_);
  load.Start(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(cluster_->StopImmediately());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_TRUE(cluster_->Start());
  const auto back = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  load.Stop();

  Summary s = Summarize(load.outcomes(), back);
  Report("pg_ctl -m immediate stop, 1 s down, start", s);
  EXPECT_TRUE(load.unexpected_.empty()) << load.unexpected_.front();
  EXPECT_EQ(s.counts[ErrorCode::kInternal], 0) << "an outage must answer 503, never 500";
  EXPECT_GT(s.counts[ErrorCode::kUnavailable], 0) << "nothing failed: was the server really down?";
  EXPECT_EQ(s.failed_late, 0) << "calls still failed more than a second after PostgreSQL was back";
  EXPECT_LT(s.recovery_ms, 1000);
  EXPECT_TRUE(Ping().ok());
}

TEST_F(PostgresOutage, TerminatedSessionsUnderLoadAreReplaced) {
  Load load(*svc_, project_, locked_project_);
  load.Start(3);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int terminated = 0;
  for (int i = 0; i < 5; ++i) {
    terminated += cluster_->TerminateSessions(url_);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const auto back = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  load.Stop();

  Summary s = Summarize(load.outcomes(), back);
  Report(("pg_terminate_backend x5, " + std::to_string(terminated) + " sessions").c_str(), s);
  EXPECT_GT(terminated, 0);
  EXPECT_TRUE(load.unexpected_.empty()) << load.unexpected_.front();
  EXPECT_EQ(s.counts[ErrorCode::kInternal], 0) << "a lost session must answer 503, never 500";
  EXPECT_EQ(s.failed_late, 0) << "calls still failed more than a second after the last termination";
  EXPECT_TRUE(Ping().ok());
}

// An instance with no traffic during the outage: its pooled connections died while idle,
// and the first call after PostgreSQL is back must not be the one that finds out.
TEST_F(PostgresOutage, FirstCallAfterARestartSucceedsOnAnIdleStore) {
  ASSERT_TRUE(Ping().ok());
  ASSERT_TRUE(cluster_->StopImmediately());
  const Status during = Ping();
  EXPECT_EQ(during.code(), ErrorCode::kUnavailable) << during.ToString();
  ASSERT_TRUE(cluster_->Start());
  const Status first = Ping();
  EXPECT_TRUE(first.ok()) << first.ToString();
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(Ping().ok()) << "call " << i << " after the restart";
}

TEST_F(PostgresOutage, FirstCallAfterTerminatedSessionsSucceeds) {
  ASSERT_TRUE(Ping().ok());
  // Busy connections (idle under a second) find out on their next statement...
  EXPECT_GT(cluster_->TerminateSessions(url_), 0);
  const Status soon = Ping();
  EXPECT_TRUE(soon.ok()) << soon.ToString();
  // ... idle ones before it is sent.
  EXPECT_GT(cluster_->TerminateSessions(url_), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(Ping().ok()) << "call " << i << " after the termination";
}

}  // namespace
}  // namespace libsync::testing
