// Where a store call runs: on its network thread only when the server allows it and no
// other store call is running or queued, one at a time.

#include "store_call_placement.hpp"

#include <gtest/gtest.h>

namespace libsync::web {
namespace {

TEST(StoreCallPlacement, ACallRunsHereOnlyWhenNothingElseIsUnderWay) {
  StoreCallPlacement placement(true);
  EXPECT_TRUE(placement.MayRunHere());
  ASSERT_TRUE(placement.TryRunHere());
  EXPECT_FALSE(placement.MayRunHere()) << "one call at a time";
  EXPECT_FALSE(placement.TryRunHere()) << "one call at a time";
  placement.Finished();
  EXPECT_TRUE(placement.TryRunHere()) << "free again once the call returned";
  placement.Finished();
}

TEST(StoreCallPlacement, AQueuedCallKeepsTheNextOnesOnTheWorkers) {
  StoreCallPlacement placement(true);
  placement.Queued();
  placement.Queued();
  EXPECT_FALSE(placement.TryRunHere());
  placement.Finished();
  EXPECT_FALSE(placement.TryRunHere()) << "one is still queued or running";
  placement.Finished();
  EXPECT_TRUE(placement.TryRunHere());
  placement.Finished();
  EXPECT_EQ(placement.queued(), 2u);
  EXPECT_EQ(placement.ran_here(), 1u);
}

TEST(StoreCallPlacement, WithoutPermissionEveryCallGoesToTheWorkers) {
  StoreCallPlacement placement(false);
  EXPECT_FALSE(placement.MayRunHere());
  EXPECT_FALSE(placement.TryRunHere());
  EXPECT_EQ(placement.ran_here(), 0u);
}

TEST(StoreCallPlacement, FinishedAtScopeEndFreesThePlace) {
  StoreCallPlacement placement(true);
  placement.Queued();
  { StoreCallPlacement::FinishedAtScopeEnd finished(placement); }
  EXPECT_TRUE(placement.TryRunHere());
  placement.Finished();
}

TEST(StoreCallPlacement, MetricsCountBothPlaces) {
  StoreCallPlacement placement(true);
  ASSERT_TRUE(placement.TryRunHere());
  placement.Finished();
  placement.Queued();
  placement.Finished();
  placement.Queued();
  placement.Finished();
  const std::string text = placement.MetricsText();
  EXPECT_NE(text.find("libsync_http_store_calls_total{thread=\"network\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("libsync_http_store_calls_total{thread=\"worker\"} 2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace libsync::web
