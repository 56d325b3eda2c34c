#include "claude_settings.hpp"

#include <gtest/gtest.h>

namespace aitk {
namespace {

namespace json = boost::json;

json::object Parse(const std::string& text) { return json::parse(text).as_object(); }

TEST(ClaudeSettings, AddThenRemoveGivesBackTheSameSettings) {
  const json::object original = Parse(R"({"model":"x","hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[
      {"type":"command","command":"./a.sh"}]}]}})");
  json::object settings = original;
  EXPECT_TRUE(AddClaudeHooks(settings));
  EXPECT_TRUE(FindClaudeHooks(settings).session_start);
  EXPECT_TRUE(FindClaudeHooks(settings).guard);
  EXPECT_FALSE(AddClaudeHooks(settings));
  EXPECT_TRUE(RemoveClaudeHooks(settings));
  EXPECT_EQ(settings, original);
  EXPECT_FALSE(RemoveClaudeHooks(settings));
}

TEST(ClaudeSettings, RemoveLeavesOtherHooksAndEmptyListsItDidNotEmpty) {
  json::object settings = Parse(R"({"hooks":{"Stop":[],"PreToolUse":[{"matcher":"Write","hooks":[
      {"type":"command","command":"aitk hook guard"},{"type":"command","command":"./lint.sh"}]}]}})");
  EXPECT_TRUE(RemoveClaudeHooks(settings));
  EXPECT_EQ(settings, Parse(R"({"hooks":{"Stop":[],"PreToolUse":[{"matcher":"Write","hooks":[
      {"type":"command","command":"./lint.sh"}]}]}})"));
}

TEST(ClaudeSettings, OnlyAitksOwnCommandsCount) {
  const json::object settings = Parse(R"({"hooks":{"SessionStart":[{"hooks":[
      {"type":"command","command":"echo aitk hook session-start"},
      {"type":"command","command":"/opt/notaitk hook session-start"}]}]}})");
  EXPECT_FALSE(FindClaudeHooks(settings).session_start);
}

TEST(ClaudeSettings, PrettyJsonIndentsByTwoAndKeepsKeyOrder) {
  EXPECT_EQ(PrettyJson(json::parse(R"({"b":[1,{"c":"\"q\""}],"a":{},"e":[]})")),
            "{\n  \"b\": [\n    1,\n    {\n      \"c\": \"\\\"q\\\"\"\n    }\n  ],\n  \"a\": {},\n  \"e\": []\n}\n");
}

}  // namespace
}  // namespace aitk
