// Private helpers of the core, tested directly because adapters rely on their exact output.
#include "json_writer.hpp"

#include <gtest/gtest.h>

#include "encoding.hpp"

namespace libsync::detail {
namespace {

TEST(JsonWriter, EscapesPerRfc8259) {
  static constexpr char kRaw[] = "q\"b\\n\nr\rt\tb\bf\fc\x01z\x1f\0!";
  EXPECT_EQ(std::string(JsonObject().Add("s", std::string_view(kRaw, sizeof kRaw - 1)).Close()),
            R"({"s":"q\"b\\n\nr\rt\tb\bf\fc\u0001z\u001f\u0000!"})");
  EXPECT_EQ(std::string(JsonObject().Add("s", "üñí 🚀 plain").Close()), "{\"s\":\"üñí 🚀 plain\"}");
}

TEST(JsonWriter, BuildsFlatObjects) {
  const std::string json(JsonObject()
                             .Add("s", "a\"b")
                             .Add("n", std::int64_t{-42})
                             .Add("t", true)
                             .Add("at", Timestamp(std::chrono::milliseconds(1767464280000)))
                             .Close());
  EXPECT_EQ(json, R"({"s":"a\"b","n":-42,"t":true,"at":"2026-01-03T18:18:00.000Z"})");
  EXPECT_EQ(std::string(JsonObject().Close()), "{}");
}

// Values longer than the writer's inline buffer move it to the heap mid-object.
TEST(JsonWriter, GrowsPastItsInlineBufferWithoutLosingText) {
  const std::string long_value(1000, 'v');
  const std::string escaped_value(300, '"');
  JsonObject json;
  json.Add("a", "short").Add("long", long_value).Add("quotes", escaped_value).Add("n", std::int64_t{7});
  const std::string text(json.Close());
  std::string expected = R"({"a":"short","long":")" + long_value + R"(","quotes":")";
  for (int i = 0; i < 300; ++i) expected += "\\\"";
  expected += R"(","n":7})";
  EXPECT_EQ(text, expected);
  EXPECT_EQ(std::string(JsonObject().Add("list", std::vector<std::string>{"a", "b\n"}).Close()),
            R"({"list":["a","b\n"]})");
}

TEST(Encoding, HexRoundTrips) {
  EXPECT_EQ(HexEncode(AsBytes(std::string("\x00\xff\x10", 3))), "00ff10");
  EXPECT_EQ(HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(Encoding, Base64RoundTripsAndIsStrict) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const std::string encoded = Base64Encode(AsBytes(s));
    EXPECT_EQ(Base64Decode(encoded), s) << encoded;
  }
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  for (const char* bad : {"Zm8", "Zm9=", "Zg=A", "Z===", "Zm8!", "Zh==", "====",  "Zm8=Zm8="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Encoding, Base64UrlIsUnpaddedWithTheUrlAlphabet) {
  std::string out = "lt_";
  AppendBase64Url(out, AsBytes(std::string("\xfb\xff\xbf", 3)));
  EXPECT_EQ(out, "lt_-_-_");
  out.clear();
  AppendBase64Url(out, AsBytes("fo"));
  EXPECT_EQ(out, "Zm8");
  out.clear();
  AppendBase64Url(out, AsBytes("f"));
  EXPECT_EQ(out, "Zg");
}

TEST(Encoding, HexCoversEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const std::string hex = HexEncode(AsBytes(all));
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 6), "000102");
  EXPECT_EQ(hex.substr(2 * 0xa5, 2), "a5");
  EXPECT_EQ(hex.substr(510), "ff");
  EXPECT_EQ(HexDecode(hex), all);
}

}  // namespace
}  // namespace libsync::detail
