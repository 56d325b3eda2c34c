#include "response_text.hpp"

#include <gtest/gtest.h>

namespace libsync::web {
namespace {

TEST(ResponseText, WritesStatusHeadersLengthAndBody) {
  std::string out = "left over from the previous response";
  WriteResponseText({200, {{"content-type", "application/json"}, {"etag", "\"v3\""}}, "{\"locked\":false}"}, true, 11,
                    out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: libsync\r\ncontent-type: application/json\r\netag: \"v3\"\r\n"
            "Content-Length: 16\r\n\r\n{\"locked\":false}");
}

TEST(ResponseText, ConnectionHeaderFollowsTheVersionsDefault) {
  std::string out;
  WriteResponseText({423, {}, ""}, false, 11, out);
  EXPECT_EQ(out, "HTTP/1.1 423 Locked\r\nServer: libsync\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  WriteResponseText({404, {}, "x"}, true, 10, out);
  EXPECT_EQ(out, "HTTP/1.0 404 Not Found\r\nServer: libsync\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx");
  WriteResponseText({404, {}, "x"}, false, 10, out);
  EXPECT_EQ(out, "HTTP/1.0 404 Not Found\r\nServer: libsync\r\nContent-Length: 1\r\n\r\nx");
}

TEST(ResponseText, LeavesOutHeadersThatWouldSplitTheResponse) {
  std::string out;
  WriteResponseText({200, {{"x-ok", "fine"}, {"x-bad", "a\r\nSet-Cookie: evil"}, {"x\nbad", "v"}}, ""}, true, 11, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: libsync\r\nx-ok: fine\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace libsync::web
