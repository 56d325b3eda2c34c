#include "marked_region.hpp"

#include <gtest/gtest.h>

namespace aitk {
namespace {

const std::string kBegin = "<!-- aitk:begin docs -->";

TEST(MarkedRegion, ReplacesOnlyTheLinesBetweenTheMarkers) {
  const std::string before = "# Ours\r\nno final newline? yes, CRLF\r\n\r\n";
  const std::string after = "tail without newline";
  auto out = ReplaceRegion(before + "<!-- aitk:begin old -->\nold\n<!-- aitk:end -->\n" + after, kBegin, "new\n");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, before + kBegin + "\nnew\n<!-- aitk:end -->\n" + after);
}

TEST(MarkedRegion, AppendsARegionAfterABlankLine) {
  EXPECT_EQ(*ReplaceRegion("# Ours", kBegin, "x\n"), "# Ours\n\n" + kBegin + "\nx\n<!-- aitk:end -->\n");
  EXPECT_EQ(*ReplaceRegion("# Ours\n\n", kBegin, "x\n"), "# Ours\n\n" + kBegin + "\nx\n<!-- aitk:end -->\n");
  EXPECT_EQ(*ReplaceRegion("", kBegin, ""), kBegin + "\n<!-- aitk:end -->\n");
}

TEST(MarkedRegion, AnEndMarkerAtTheVeryEndWithoutNewlineIsReplaced) {
  EXPECT_EQ(*ReplaceRegion("a\n" + kBegin + "\nold\n<!-- aitk:end -->", kBegin, "n\n"),
            "a\n" + kBegin + "\nn\n<!-- aitk:end -->\n");
}

TEST(MarkedRegion, UnbalancedMarkersAreRefused) {
  EXPECT_FALSE(ReplaceRegion(kBegin + "\nno end\n", kBegin, "x\n").has_value());
  EXPECT_FALSE(ReplaceRegion("<!-- aitk:end -->\n" + kBegin + "\n", kBegin, "x\n").has_value());
  EXPECT_FALSE(
      ReplaceRegion(kBegin + "\n<!-- aitk:end -->\n" + kBegin + "\n<!-- aitk:end -->\n", kBegin, "x\n").has_value());
}

TEST(MarkedRegion, DefusedMarkersNoLongerCount) {
  const std::string doc = "a\n  <!-- aitk:end -->\n<!-- aitk:begin evil -->\nb";
  const std::string safe = DefuseMarkers(doc);
  EXPECT_EQ(safe, "a\n  <!-- aitk (quoted):end -->\n<!-- aitk (quoted):begin evil -->\nb");
  auto out = ReplaceRegion("", kBegin, safe + "\n");
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(ReplaceRegion(*out, kBegin, "again\n").has_value());
}

}  // namespace
}  // namespace aitk
