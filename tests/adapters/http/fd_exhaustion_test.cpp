// When the process runs out of file descriptors, accept fails at once for as long as the
// connection waits in the listen queue: retrying at once burned a whole core and starved
// the open connections. The server pauses accepting instead, and serves the waiting
// client as soon as descriptors are free again.

#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "server_fixture.hpp"

namespace libsync::web {
namespace {

using namespace std::chrono_literals;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int HighestOpenFd() {
  int highest = 2;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    highest = std::max(highest, std::stoi(entry.path().filename().string()));
  }
  return highest;
}

class DescriptorExhaustion : public ServerFixture {
 protected:
  void TearDown() override {
    for (int fd : fillers_) close(fd);
    if (lowered_) setrlimit(RLIMIT_NOFILE, &original_);
    ServerFixture::TearDown();
  }
  // Lowers the soft limit a little above what is open, then takes every descriptor left.
  void TakeEveryDescriptor() {
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original_), 0);
    rlimit low = original_;
    low.rlim_cur = static_cast<rlim_t>(HighestOpenFd() + 64);
    ASSERT_LE(low.rlim_cur, original_.rlim_max);
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
    lowered_ = true;
    for (;;) {
      const int fd = dup(0);
      if (fd < 0) {
        ASSERT_EQ(errno, EMFILE);
        return;
      }
      fillers_.push_back(fd);
    }
  }
  void FreeOne() {
    close(fillers_.back());
    fillers_.pop_back();
  }
  void FreeAll() {
    for (int fd : fillers_) close(fd);
    fillers_.clear();
  }

  std::vector<int> fillers_;
  rlimit original_{};
  bool lowered_ = false;
};

TEST_F(DescriptorExhaustion, AcceptPausesInsteadOfSpinningAndResumesOnceDescriptorsAreFree) {
  StartServer({.accept_pause = 100ms});
  TakeEveryDescriptor();
  FreeOne();  // for the client's own socket: the server has none left to accept it with
  Client c(port());
  ASSERT_TRUE(c.connected()) << "the connection waits in the listen queue";
  c.Send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
  const double before = CpuSeconds();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(c.ReadRaw(1000ms), "") << "served without a descriptor?";
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = CpuSeconds() - before;
  EXPECT_LT(cpu, 0.2 * wall) << "the process used " << cpu << " s of CPU in " << wall << " s while out of descriptors";
  FreeAll();
  const std::string response = c.ReadResponse(2000ms);
  EXPECT_EQ(StatusOf(response), 200) << "not served once descriptors were free: " << response;
}

}  // namespace
}  // namespace libsync::web
