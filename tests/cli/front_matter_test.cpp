#include "front_matter.hpp"

#include <gtest/gtest.h>

namespace aitk {
namespace {

TEST(FrontMatter, ReadsScalarsInlineListsAndBlockLists) {
  const FrontMatter fm = ParseFrontMatter(
      "---\n"
      "description: \"Style: tabs\"  \n"
      "globs: [\"src/**/*.ts\", 'lib/*.ts']\n"
      "alwaysApply: false # scoped\n"
      "applyTo: api/**, web/**\n"
      "targets:\n"
      "  - cursor\n"
      "  - copilot\n"
      "---\n"
      "Body\n");
  ASSERT_TRUE(fm.present);
  EXPECT_EQ(fm.description, "Style: tabs");
  EXPECT_EQ(fm.globs, (std::vector<std::string>{"src/**/*.ts", "lib/*.ts"}));
  EXPECT_EQ(fm.always_apply, false);
  EXPECT_EQ(fm.apply_to, (std::vector<std::string>{"api/**", "web/**"}));
  ASSERT_TRUE(fm.targets);
  EXPECT_EQ(*fm.targets, (std::vector<std::string>{"cursor", "copilot"}));
  EXPECT_EQ(fm.body, "Body\n");
}

TEST(FrontMatter, AnUnclosedBlockIsNotFrontMatter) {
  const std::string text = "---\ndescription: x\nno closing line\n";
  const FrontMatter fm = ParseFrontMatter(text);
  EXPECT_FALSE(fm.present);
  EXPECT_FALSE(fm.description);
  EXPECT_EQ(fm.body, text);
}

TEST(FrontMatter, OnlyTheFirstLineCanOpenIt) {
  const FrontMatter fm = ParseFrontMatter("# Title\n---\ndescription: x\n---\n");
  EXPECT_FALSE(fm.present);
}

TEST(FrontMatter, CrlfLinesAndNestedKeysAreHandled) {
  const FrontMatter fm = ParseFrontMatter("---\r\ndescription: d\r\nmeta:\r\n  description: nested\r\n---\r\nB\r\n");
  ASSERT_TRUE(fm.present);
  EXPECT_EQ(fm.description, "d");
  EXPECT_EQ(fm.body, "B\r\n");
}

TEST(FrontMatter, ValuesWithControlCharactersAreDropped) {
  const FrontMatter fm = ParseFrontMatter("---\ndescription: a\x1b[31m\nglobs: [ok, \"b\x07\"]\n---\n");
  EXPECT_FALSE(fm.description);
  EXPECT_EQ(fm.globs, (std::vector<std::string>{"ok"}));
}

TEST(FrontMatter, AnEmptyBlockIsPresentWithNothingSet) {
  const FrontMatter fm = ParseFrontMatter("---\n---\ntext");
  EXPECT_TRUE(fm.present);
  EXPECT_FALSE(fm.always_apply);
  EXPECT_FALSE(fm.targets);
  EXPECT_EQ(fm.body, "text");
}

}  // namespace
}  // namespace aitk
