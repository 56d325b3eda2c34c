#include "emit_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace aitk {
namespace {

EmitDoc Doc(const std::string& name, const std::string& content) { return {name, content, ParseFrontMatter(content)}; }

const FileOutput* Find(const EmitPlan& plan, const std::string& file) {
  auto it = std::find_if(plan.files.begin(), plan.files.end(), [&](const FileOutput& f) { return f.file == file; });
  return it == plan.files.end() ? nullptr : &*it;
}

TEST(EmitPlan, ADocWithoutFrontMatterAlwaysAppliesInCursor) {
  const EmitPlan plan = PlanEmit({Doc("a.md", "A\n")}, {EmitTarget::kCursor}, ".docs");
  ASSERT_NE(Find(plan, ".cursor/rules/a.mdc"), nullptr);
  EXPECT_EQ(Find(plan, ".cursor/rules/a.mdc")->content, "---\nalwaysApply: true\n---\nA\n");
  EXPECT_EQ(plan.generated_dirs, (std::vector<std::string>{".cursor/rules"}));
}

TEST(EmitPlan, TargetsInFrontMatterLimitWhereADocGoes) {
  const EmitPlan plan = PlanEmit({Doc("c.md", "---\ntargets: [cursor]\n---\nC\n")},
                                 {EmitTarget::kCursor, EmitTarget::kWindsurf, EmitTarget::kAgents}, ".docs");
  EXPECT_NE(Find(plan, ".cursor/rules/c.mdc"), nullptr);
  EXPECT_EQ(Find(plan, ".windsurf/rules/c.md"), nullptr);
  ASSERT_EQ(plan.regions.size(), 1u);
  EXPECT_EQ(plan.regions[0].file, "AGENTS.md");
  EXPECT_EQ(plan.regions[0].body, "");
}

TEST(EmitPlan, CopilotSplitsScopedDocsIntoTheirOwnFiles) {
  const EmitPlan plan = PlanEmit({Doc("all.md", "All\n"), Doc("g/api.md", "---\napplyTo: \"api/**\"\n---\nApi\n")},
                                 {EmitTarget::kCopilot}, ".docs");
  ASSERT_EQ(plan.regions.size(), 1u);
  EXPECT_EQ(plan.regions[0].file, ".github/copilot-instructions.md");
  EXPECT_EQ(plan.regions[0].body, "## .docs/all.md\n\nAll\n");
  ASSERT_NE(Find(plan, ".github/instructions/g/api.instructions.md"), nullptr);
  EXPECT_EQ(Find(plan, ".github/instructions/g/api.instructions.md")->content, "---\napplyTo: \"api/**\"\n---\nApi\n");
}

TEST(EmitPlan, WindsurfFlattensNestedNamesAndWarnsOnACollision) {
  const EmitPlan plan = PlanEmit({Doc("a/b.md", "1\n"), Doc("a--b.md", "2\n")}, {EmitTarget::kWindsurf}, ".docs");
  ASSERT_EQ(plan.files.size(), 1u);
  EXPECT_EQ(plan.files[0].file, ".windsurf/rules/a--b.md");
  EXPECT_EQ(plan.files[0].source, ".docs/a/b.md");
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("two docs map to this file"), std::string::npos);
}

TEST(EmitPlan, ImportsSkipANameWithASpaceAndSayWhy) {
  const EmitPlan plan = PlanEmit({Doc("my notes.md", "x"), Doc("ok.md", "y")}, {EmitTarget::kClaude}, ".docs");
  ASSERT_EQ(plan.regions.size(), 1u);
  EXPECT_NE(plan.regions[0].body.find("@.docs/ok.md\n"), std::string::npos);
  EXPECT_EQ(plan.regions[0].body.find("my notes"), std::string::npos);
  ASSERT_EQ(plan.warnings.size(), 1u);
}

TEST(EmitPlan, QuotesInADescriptionCannotBreakTheFrontMatter) {
  const EmitPlan plan = PlanEmit({Doc("q.md", "---\ndescription: say \\\"hi\" \n---\nQ\n")}, {EmitTarget::kCursor}, ".docs");
  ASSERT_EQ(plan.files.size(), 1u);
  EXPECT_EQ(plan.files[0].content, "---\ndescription: \"say \\\\\\\"hi\\\"\"\nalwaysApply: false\n---\nQ\n");
}

}  // namespace
}  // namespace aitk
