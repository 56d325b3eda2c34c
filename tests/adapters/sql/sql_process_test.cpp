// Several processes on one database: lock grants never overlap and fences only grow;
// a writer killed with SIGKILL loses none of the writes it reported as committed.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "postgres_cluster.hpp"
#include "sql_services.hpp"
#include "temp_dir.hpp"

namespace libsync::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& args, int stdout_fd = -1) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (stdout_fd >= 0) dup2(stdout_fd, STDOUT_FILENO);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Fixture {
  std::string url;
  std::string project;
};

/// A migrated database with one project, on the given backend; empty url to skip.
Fixture Prepare(const std::string& backend, TempDir& dir) {
  std::string url;
  if (backend == "sqlite") {
    url = "sqlite://" + dir.path() + "/shared.db";
  } else {
    PostgresCluster* cluster = PostgresCluster::Get();
    if (!cluster) {
      if (PostgresRequired()) ADD_FAILURE() << PostgresCluster::Unavailable();
      return {};
    }
    url = cluster->NewDatabase();
  }
  std::string error;
  auto services = SqlServices::Open({.url = url}, &error);
  if (!services) {
    ADD_FAILURE() << error;
    return {};
  }
  auto project = services->sync.projects().Create(services->admin, {.name = "race", .repo_url = "x"});
  return {url, project->id};
}

class SqlProcesses : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlProcesses, FourProcessesNeverShareTheLockAndFencesOnlyGrow) {
  TempDir dir;
  Fixture f = Prepare(GetParam(), dir);
  if (f.url.empty()) GTEST_SKIP() << "PostgreSQL unavailable: " << PostgresCluster::Unavailable();
  constexpr int kProcesses = 4;
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcesses; ++p) {
    pids.push_back(Spawn({LIBSYNC_LOCK_RACE_WORKER, f.url, f.project, "2", "150",
                          dir.path() + "/grants-" + std::to_string(p)}));
  }
  for (pid_t pid : pids) EXPECT_EQ(Wait(pid), 0) << "a worker saw an unexpected error";

  std::vector<std::tuple<long long, long long, long long>> grants;  // start, end, fence
  for (int p = 0; p < kProcesses; ++p) {
    std::ifstream in(dir.path() + "/grants-" + std::to_string(p));
    long long fence, start, end;
    while (in >> fence >> start >> end) grants.emplace_back(start, end, fence);
  }
  ASSERT_GT(grants.size(), 20u) << "too little contention to mean anything";
  std::sort(grants.begin(), grants.end());
  for (std::size_t i = 1; i < grants.size(); ++i) {
    const auto& [prev_start, prev_end, prev_fence] = grants[i - 1];
    const auto& [start, end, fence] = grants[i];
    EXPECT_GE(start, prev_end) << "grants with fences " << prev_fence << " and " << fence << " overlap";
    EXPECT_GT(fence, prev_fence) << "fence went backwards or repeated";
  }
}

/// The crash writer's reports: `reported` and more read from `fd`, until at least `lines`.
std::string ReadReports(int fd, long lines, std::string reported = {}) {
  char buffer[4096];
  while (std::count(reported.begin(), reported.end(), '\n') < lines) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    reported.append(buffer, static_cast<std::size_t>(n));
  }
  return reported;
}

/// Kills the writer mid-stream and returns everything it reported, `reported` included.
std::string KillWriter(pid_t pid, int fd, std::string reported) {
  kill(pid, SIGKILL);
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) reported.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  Wait(pid);
  return reported;
}

/// Every write the crash writer reported as committed is in the database at `url`.
void ExpectReportedWritesSurvive(const std::string& url, const std::string& project, const std::string& reported) {
  std::map<std::string, std::pair<std::int64_t, std::string>> last;  // fileName -> version, hash
  std::istringstream lines(reported);
  std::vector<std::tuple<std::string, std::int64_t, std::string>> all;
  for (std::string name, hash; ;) {
    std::int64_t version = 0;
    if (!(lines >> name >> version >> hash)) break;
    if (hash.size() != 64) break;  // a torn last line
    all.emplace_back(name, version, hash);
    last[name] = {version, hash};
  }
  ASSERT_GE(all.size(), 300u);

  std::string error;
  auto services = SqlServices::Open({.url = url}, &error);
  ASSERT_NE(services, nullptr) << error;
  SyncService& sync = services->sync;
  const Caller& admin = services->admin;
  for (const auto& [name, version, hash] : all) {
    auto v = sync.docs().Version(admin, project, name, version);
    ASSERT_TRUE(v.has_value()) << name << " v" << version << " lost: " << v.error().ToString();
    EXPECT_EQ(v->hash, hash) << name << " v" << version;
  }
  for (const auto& [name, vh] : last) {
    auto doc = sync.docs().Get(admin, project, name);
    ASSERT_TRUE(doc.has_value());
    // The writer may have committed one more write after its last report.
    EXPECT_GE(doc->version, vh.first) << name;
  }
}

TEST_P(SqlProcesses, AKilledWriterLosesNoReportedWrite) {
  TempDir dir;
  Fixture f = Prepare(GetParam(), dir);
  if (f.url.empty()) GTEST_SKIP() << "PostgreSQL unavailable: " << PostgresCluster::Unavailable();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = Spawn({LIBSYNC_CRASH_WRITER, f.url, f.project}, fds[1]);
  close(fds[1]);
  const std::string reported = KillWriter(pid, fds[0], ReadReports(fds[0], 300));
  ExpectReportedWritesSurvive(f.url, f.project, reported);
}

// A store that holds its SQLite file exclusively keeps other processes out while it lives
// (at once, not after the busy timeout), and its WAL index lives only in its memory: killed,
// it must still lose nothing it reported, and the file opens normally afterwards.
TEST(SqliteExclusive, OtherProcessesAreRefusedAndAKilledHolderLosesNothing) {
  TempDir dir;
  Fixture f = Prepare("sqlite", dir);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = Spawn({LIBSYNC_CRASH_WRITER, f.url, f.project, "exclusive"}, fds[1]);
  close(fds[1]);
  std::string reported = ReadReports(fds[0], 100);

  bool refused = true;
  for (const bool exclusive : {false, true}) {
    const auto started = std::chrono::steady_clock::now();
    auto other = sql::OpenSqlStore({.url = f.url, .sqlite_busy_timeout = std::chrono::milliseconds(300),
                                    .sqlite_exclusive = exclusive});
    refused = refused && !other.has_value();
    EXPECT_FALSE(other.has_value()) << "another process opened a file held exclusively";
    if (other.has_value()) continue;
    EXPECT_EQ(other.error().code(), ErrorCode::kUnavailable) << other.error().ToString();
    if (exclusive) {
      EXPECT_NE(other.error().message().find("another process has it open"), std::string::npos);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  }

  // Killed whatever happened above, so no writer outlives the test.
  reported = KillWriter(pid, fds[0], ReadReports(fds[0], refused ? 300 : 0, std::move(reported)));
  if (refused) ExpectReportedWritesSurvive(f.url, f.project, reported);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlProcesses, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace libsync::testing
