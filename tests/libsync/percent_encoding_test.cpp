// Percent-decoding of path segments and query values (RFC 3986).
#include "libsync/percent_encoding.hpp"

#include <gtest/gtest.h>

namespace libsync {
namespace {

TEST(PercentDecode, DecodesEscapesAnywhereAndKeepsTheRest) {
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("guides/style.md"), "guides/style.md");
  EXPECT_EQ(PercentDecode("%2e%2E%2fetc"), "../etc");
  EXPECT_EQ(PercentDecode("a%20b%41"), "a bA");
  EXPECT_EQ(PercentDecode("%00"), std::string(1, '\0'));
  EXPECT_EQ(PercentDecode("%C3%BC+x"), "\xc3\xbc+x");  // '+' is not a space in a path
  EXPECT_EQ(PercentDecode("%2525"), "%25");             // decoded once only
}

TEST(PercentDecode, RefusesTruncatedAndNonHexEscapes) {
  for (const char* bad : {"%", "%4", "a%", "a%4", "%g0", "%0g", "ok%zzok", "%%41"}) {
    EXPECT_EQ(PercentDecode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace libsync
