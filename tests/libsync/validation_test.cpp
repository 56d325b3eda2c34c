#include "libsync/validation.hpp"

#include <gtest/gtest.h>

#include <string>

namespace libsync {
namespace {

TEST(ValidateFileName, AcceptsRelativeNestedNames) {
  for (const char* ok : {"README.md", "guides/style.md", "a/b/c/d.md", "überblick.md", ".hidden.md",
                         "with space.md", "a..b.md"}) {
    EXPECT_TRUE(ValidateFileName(ok).ok()) << ok;
  }
  EXPECT_TRUE(ValidateFileName(std::string(255, 'a')).ok());
}

TEST(ValidateFileName, RejectsEverythingThatCouldEscapeOrConfuse) {
  const std::vector<std::string> bad = {
      "", "/etc/passwd", "../secret.md", "guides/../../x.md", "a/./b.md", "..", ".",
      "a//b.md", "a/", "dir\\file.md", std::string("nul\0byte.md", 11), "tab\there.md",
      "newline\n.md", "del\x7f.md", "bad\xff.md", "overlong\xc0\xaf.md",
      std::string(256, 'a'), "a/" + std::string(256, 'b') + "/c.md", std::string(1025, 'a')};
  for (const auto& name : bad) {
    Status s = ValidateFileName(name);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("fileName"), std::string::npos) << s.message();
  }
}

TEST(ValidateDocsPath, AllowsEmptyForTheRepositoryRoot) {
  EXPECT_TRUE(ValidateDocsPath("").ok());
  EXPECT_TRUE(ValidateDocsPath("docs/ai").ok());
  EXPECT_FALSE(ValidateDocsPath("../docs").ok());
}

// git writes no tree entry named like its own folder, so an export into one failed late,
// with an internal error; the path is refused when it is set.
TEST(ValidateDocsPath, RefusesGitsOwnFolderInAnySpelling) {
  for (const char* bad : {".git", "docs/.git", ".GIT", "GIT~1", "docs/.git./x", ".g\xe2\x80\x8cit"}) {
    const Status refused = ValidateDocsPath(bad);
    EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(refused.message().find("git's own folder"), std::string::npos) << refused.message();
  }
  for (const char* ok : {".github", "docs/.gitkeep-folder", "git", "docs/git~2"}) {
    EXPECT_TRUE(ValidateDocsPath(ok).ok()) << ok;
  }
}

// A project's docsPath and an import's `path` are compared in this form: `docs/` is `docs`.
TEST(NormalizeDocsPath, DropsTrailingSlashesAndSpellsTheTopAsEmpty) {
  EXPECT_EQ(NormalizeDocsPath("docs/"), "docs");
  EXPECT_EQ(NormalizeDocsPath("docs/ai//"), "docs/ai");
  EXPECT_EQ(NormalizeDocsPath("docs"), "docs");
  EXPECT_EQ(NormalizeDocsPath("."), "");
  EXPECT_EQ(NormalizeDocsPath("/"), "");
  EXPECT_EQ(NormalizeDocsPath(""), "");
}

TEST(ValidateBranchName, FollowsGitRefRules) {
  for (const char* ok : {"main", "feature/docs-v2", "release-1.0", "user/alice/x", "HEADS", "feature/HEAD", "refs"}) {
    EXPECT_TRUE(ValidateBranchName(ok).ok()) << ok;
  }
  for (const char* bad : {"", "-x", "a..b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "x.lock",
                          "/main", "main/", "a//b", ".hidden", "a/.b", "a@{b", "@", "end.", "HEAD",
                          "refs/heads/main", "refs/tags/v1"}) {
    EXPECT_FALSE(ValidateBranchName(bad).ok()) << bad;
  }
}

TEST(IsValidUtf8, AcceptsWellFormedAndRejectsTheRest) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("ü € 🚀 \xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));
}

TEST(ValidUtf8, KeepsWellFormedTextAndReplacesEachByteThatStartsNoCharacter) {
  EXPECT_EQ(ValidUtf8("ü € 🚀 plain"), "ü € 🚀 plain");
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(ValidUtf8("project '\xff'"), "project '" + replacement + "'");
  EXPECT_EQ(ValidUtf8("a\xc3"), "a" + replacement) << "cut short at the end";
  EXPECT_EQ(ValidUtf8("\xe0\x80\xaf!"), replacement + replacement + replacement + "!") << "overlong";
  EXPECT_EQ(ValidUtf8("\xed\xa0\x80ü"), replacement + replacement + replacement + "ü") << "surrogate";
  EXPECT_EQ(ValidUtf8("\xc3\xa9\x80\xc3\xa9"), "é" + replacement + "é");
  EXPECT_TRUE(IsValidUtf8(ValidUtf8("\xf4\x90\x80\x80\xf8\x88\x80\x80\x80 tail")));
}

TEST(ValidateLabel, NamesTheFieldAndTheRule) {
  EXPECT_TRUE(ValidateLabel("alice", "lockedBy", 10).ok());
  EXPECT_EQ(ValidateLabel("", "lockedBy", 10).message(), "lockedBy must not be empty");
  EXPECT_FALSE(ValidateLabel("01234567890", "name", 10).ok());
  EXPECT_FALSE(ValidateLabel("a\nb", "name", 10).ok());
}

}  // namespace
}  // namespace libsync
