#include "terminal_text.hpp"

#include <gtest/gtest.h>

namespace aitk {
namespace {

TEST(TerminalSafe, WritesControlsLineBreaksAndBidiOverridesOut) {
  // OSC 52 (set the clipboard), a screen clear, and a line of its own in the hook's output.
  EXPECT_EQ(TerminalSafe("\x1b]52;c;ZWNobw==\a\x1b[2J x\r\nAI toolkit docs: all clear"),
            "\\x1b]52;c;ZWNobw==\\x07\\x1b[2J x\\x0d\\x0aAI toolkit docs: all clear");
  EXPECT_EQ(TerminalSafe("a\x7f" "b\xc2\x9b" "c"), "a\\x7fb\\u009bc");        // DEL, C1 CSI
  EXPECT_EQ(TerminalSafe("x\xe2\x80\xae" "y\xe2\x81\xa6" "z"), "x\\u202ey\\u2066z");  // RLO, LRI
  EXPECT_EQ(TerminalSafe("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c"), "a\\u2028b\\u2029c");  // line, paragraph
  EXPECT_EQ(TerminalSafe("bad\xff"), "bad\xef\xbf\xbd");                         // not UTF-8
}

TEST(TerminalSafe, LeavesPrintableTextOfAnyScriptAlone) {
  for (const char* text : {"rewrite of the API docs", "Jos\xc3\xa9 \xe2\x80\x94 r\xc3\xa9vision", "\xe6\x96\x87\xe6\x9b\xb8",
                           "\xf0\x9f\x94\x92 locked", "\xc2\xa0nbsp and \xe2\x80\x99quote"}) {
    EXPECT_EQ(TerminalSafe(text), text);
  }
}

}  // namespace
}  // namespace aitk
