#include "libsync/timestamp.hpp"

#include "libsync/internal/timestamp_writer.hpp"

#include <gtest/gtest.h>

namespace libsync {
namespace {

Timestamp Ms(std::int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

TEST(Timestamp, FormatsIsoUtcWithMilliseconds) {
  EXPECT_EQ(FormatTimestamp(Ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(Ms(1767464280000)), "2026-01-03T18:18:00.000Z");
  EXPECT_EQ(FormatTimestamp(Ms(951782400123)), "2000-02-29T00:00:00.123Z");
  EXPECT_EQ(FormatTimestamp(Ms(-1)), "1969-12-31T23:59:59.999Z");
}

// The date part is remembered between calls: alternating days and crossing midnight
// must still give each instant its own date.
TEST(Timestamp, EachInstantGetsItsOwnDateWhateverCameBefore) {
  constexpr std::int64_t kDay = 86400000;
  const std::int64_t midnight = 1767398400000;  // 2026-01-03T00:00:00Z
  EXPECT_EQ(FormatTimestamp(Ms(midnight - 1)), "2026-01-02T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(Ms(midnight)), "2026-01-03T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(Ms(midnight + 3 * kDay)), "2026-01-06T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(Ms(midnight - 1)), "2026-01-02T23:59:59.999Z");
  std::string appended = "at ";
  AppendTimestamp(appended, Ms(midnight + kDay / 2));
  EXPECT_EQ(appended, "at 2026-01-03T12:00:00.000Z");
}

TEST(Timestamp, ParsesWhatItFormatsAndSqlSpellings) {
  for (std::int64_t ms : {0LL, 1767464280000LL, 951782400123LL, 4102444799999LL}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(Ms(ms))), Ms(ms));
  }
  EXPECT_EQ(ParseTimestamp("2026-01-03 18:18:00.5"), Ms(1767464280500));
  EXPECT_EQ(ParseTimestamp("2026-01-03 18:18:00"), Ms(1767464280000));
  EXPECT_EQ(ParseTimestamp("2026-01-03T18:18:00.123456Z"), Ms(1767464280123));
  EXPECT_EQ(ParseTimestamp("2026-01-03 18:18:00.123+00"), Ms(1767464280123));
}

TEST(Timestamp, RejectsMalformedText) {
  for (const char* bad : {"", "2026-01-03", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-01-03T24:00:00Z", "2026-01-03T18:18:00.Z", "2026-01-03T18:18:00+02:00",
                          "abcd-01-03T18:18:00Z", "2026-01-03T18:18:00Zjunk"}) {
    EXPECT_FALSE(ParseTimestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace libsync
