// Which network thread serves a connection: its client's CPU's, within a bound on
// imbalance; the least busy one when the CPU tells nothing.

#include "connection_placement.hpp"

#include <gtest/gtest.h>

namespace libsync::web {
namespace {

TEST(ConnectionPlacement, FloatingThreadsShareConnectionsEvenly) {
  ConnectionPlacement placement({-1, -1});
  for (int i = 0; i < 10; ++i) placement.Place(i % 2);  // a CPU means nothing here
  EXPECT_EQ(placement.OpenPerThread(), (std::vector<std::size_t>{5, 5}));
  placement.Closed(1);
  placement.Closed(1);
  EXPECT_EQ(placement.Place(0), 1u) << "the emptier thread";
}

TEST(ConnectionPlacement, AConnectionGoesToTheThreadOnItsCpu) {
  ConnectionPlacement placement({4, 7});
  EXPECT_EQ(placement.Place(7), 1u);
  EXPECT_EQ(placement.Place(7), 1u);
  EXPECT_EQ(placement.Place(4), 0u);
  EXPECT_EQ(placement.Place(7), 1u);
  EXPECT_EQ(placement.OpenPerThread(), (std::vector<std::size_t>{1, 3}));
  // A CPU no network thread is on, or none known: the least busy thread.
  EXPECT_EQ(placement.Place(5), 0u);
  EXPECT_EQ(placement.Place(-1), 0u);
}

TEST(ConnectionPlacement, LocalityYieldsWhenOneCpuReceivesEverything) {
  ConnectionPlacement placement({0, 1});
  for (int i = 0; i < 100; ++i) placement.Place(0);
  const auto open = placement.OpenPerThread();
  EXPECT_GT(open[0], open[1]) << "locality still counts";
  EXPECT_LE(open[0], open[1] + open[1] / 2 + 5) << "but no thread runs away with them all";
  EXPECT_EQ(open[0] + open[1], 100u);
}

TEST(ConnectionPlacement, SeveralThreadsOnOneCpuShareItsConnections) {
  ConnectionPlacement placement({0, 1, 0, 1});
  for (int i = 0; i < 4; ++i) placement.Place(1);
  EXPECT_EQ(placement.OpenPerThread(), (std::vector<std::size_t>{0, 2, 0, 2}));
}

TEST(ConnectionPlacement, AConnectionFollowsItsClientToAnotherCpu) {
  ConnectionPlacement placement({0, 1});
  const std::size_t thread = placement.Place(1);
  ASSERT_EQ(thread, 1u);
  EXPECT_FALSE(placement.Follow(thread, 1)) << "already there";
  EXPECT_FALSE(placement.Follow(thread, -1)) << "nothing known";
  EXPECT_FALSE(placement.Follow(thread, 3)) << "no thread on that CPU";
  const auto moved = placement.Follow(thread, 0);
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, 0u);
  placement.Closed(thread);  // the old thread lets go of it
  EXPECT_EQ(placement.OpenPerThread(), (std::vector<std::size_t>{1, 0}));
}

TEST(ConnectionPlacement, NoConnectionFollowsOntoAThreadFarAhead) {
  ConnectionPlacement placement({0, 1});
  for (int i = 0; i < 5; ++i) placement.Place(0);
  ASSERT_EQ(placement.OpenPerThread(), (std::vector<std::size_t>{5, 0}));
  EXPECT_FALSE(placement.Follow(1, 0)) << "thread 0 holds five, thread 1 none";
  EXPECT_EQ(placement.OpenPerThread(), (std::vector<std::size_t>{5, 0})) << "nothing counted";
}

TEST(NetworkThreadCpus, SpreadsThreadsOverTheAllowedCpusOnlyWhenPinning) {
  EXPECT_EQ(NetworkThreadCpus(3, false), (std::vector<int>{-1, -1, -1}));
  const auto pinned = NetworkThreadCpus(3, true);
  ASSERT_EQ(pinned.size(), 3u);
  if (pinned[0] >= 0) {  // more than one CPU
    EXPECT_NE(pinned[0], pinned[1]);
  }
}

}  // namespace
}  // namespace libsync::web
