// Doc names every workstation can write safely (docs/semantics.md): git's own folder in every
// spelling a file system takes for it, Windows device names and characters are refused
// on write; docs stored under such names before the rule stay readable and removable
// through the API but are never served to hooks.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "libsync/hashing.hpp"
#include "libsync/validation.hpp"
#include "service_fixture.hpp"

namespace libsync {
namespace {

const std::vector<std::string> kUnsafeNames = {
    // git's folder: any case, NTFS spellings (trailing dots/spaces, 8.3 short name, streams)
    ".git/config", ".GIT/config", ".Git/HEAD", "docs/.git/config", ".git", ".git./config", ".git ./hooks/x",
    ".git. . /config", "git~1/config", "GIT~1/config", ".git::$INDEX_ALLOCATION/config",
    // HFS+ drops zero-width and directional code points when it compares names
    ".g\u200Cit/config", "\u200D.git/config", ".gi\u200Et/HEAD", ".git\u202E/config", ".git\uFEFF/config",
    ".G\u206AIT/config",
    // Windows device names, with or without an extension, any case
    "CON", "con.md", "Nul", "nul.txt", "nul .md", "aux/x.md", "PRN.md", "COM1", "com9.md", "LPT1", "lpt5.txt",
    "COM\u00B9.md", "CONIN$", "conout$.md",
    // characters Windows refuses, and names it silently renames
    "a<b.md", "a>b.md", "a:b.md", "a\"b.md", "a|b.md", "a?b.md", "a*b.md", "trailing.", "trailing ", "dir./x.md",
    "dir /x.md"};

// The files a workstation keeps beside the pulled docs, in the top folder only.
const std::vector<std::string> kBookkeepingNames = {".sync-hash", ".sync-manifest", ".SYNC-HASH", ".Sync-Manifest"};

const std::vector<std::string> kSafeNames = {".github/copilot.md", ".gitignore", ".gitattributes.md", ".git-notes.md",
                                             "git/config.md",     "gitx/a.md",  "x.git/a.md",       ".gitx/a.md",
                                             "console.md",        "CONFIG.md",  "com10.md",         "COM0.md",
                                             "lpt.md",            "nul-x.md",   "auxiliary.md",     "a.b.c.md",
                                             "\u200Bnote.md",     "über.md",    "git~2/a.md"};

TEST(WorkstationNames, RefusesWhatGitOrWindowsWouldTakeForSomethingElse) {
  for (const auto& name : kUnsafeNames) {
    const Status s = ValidateFileName(name);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("segment"), std::string::npos) << name << ": " << s.message();
  }
}

TEST(WorkstationNames, RefusesTheWorkstationsOwnFilesAtTheTopOnly) {
  for (const auto& name : kBookkeepingNames) {
    const Status s = ValidateFileName(name);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("workstations keep"), std::string::npos) << s.message();
    EXPECT_TRUE(ValidateFileName("notes/" + name).ok()) << "only the top folder holds them: " << name;
    EXPECT_TRUE(ValidateStoredFileName(name).ok()) << name;
  }
  EXPECT_TRUE(ValidateFileName(".sync-hash.md").ok());
}

TEST(WorkstationNames, AcceptsNamesThatOnlyLookAlike) {
  for (const auto& name : kSafeNames) EXPECT_TRUE(ValidateFileName(name).ok()) << name << ": " << ValidateFileName(name).message();
}

TEST(WorkstationNames, StoredNamesKeepOnlyThePathRules) {
  for (const auto& name : kUnsafeNames) EXPECT_TRUE(ValidateStoredFileName(name).ok()) << name;
  for (const char* escape : {"../x.md", "/etc/passwd", "a//b", "a\\b", "", "a/./b"}) {
    EXPECT_FALSE(ValidateStoredFileName(escape).ok()) << escape;
  }
}

TEST(ValidateText, RefusesNulAnywhereAndKeepsLineBreaks) {
  EXPECT_TRUE(ValidateText("line one\nline two\ttab", "reason", 100).ok());
  for (const std::string& bad : {std::string("\0", 1), std::string("a\0", 2), std::string("\0b", 2)}) {
    const Status s = ValidateText(bad, "reason", 100);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.message().find("NUL"), std::string::npos) << s.message();
  }
  EXPECT_FALSE(ValidateText("\xC0\xAF", "reason", 100).ok());
  EXPECT_FALSE(ValidateText(std::string(101, 'x'), "reason", 100).ok());
}

class UnsafeNameServiceTest : public ServiceTest {
 protected:
  // A doc the original platform or an older release stored, straight into the store.
  void StoreLegacyDoc(const std::string& name, const std::string& content) {
    Doc d;
    d.id = "legacy-" + std::to_string(++legacy_);
    d.project_id = project_.id;
    d.file_name = name;
    d.content = content;
    d.hash = Sha256Hex(content);
    d.created_at = d.updated_at = clock_.Now();
    ASSERT_TRUE(store_.Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertDoc(d); }).ok());
  }
  int legacy_ = 0;
};

TEST_F(UnsafeNameServiceTest, WritesUnderAnUnsafeNameAreRefusedAndChangeNothing) {
  const Caller writer = KeyCaller(project_.id, KeyScope::kWrite);
  for (const auto& name : kUnsafeNames) {
    const auto put = sync_.docs().Put(writer, project_.id, name, "[core]\n\tfsmonitor = touch /tmp/pwned\n");
    ASSERT_FALSE(put.has_value()) << name;
    EXPECT_EQ(put.error().code(), ErrorCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE(sync_.docs().List(admin_, project_.id)->empty());
  EXPECT_EQ(sync_.events().Head(admin_, project_.id).value(), 0);
}

TEST_F(UnsafeNameServiceTest, LegacyUnsafeDocsStayReadableButHooksNeverServeThem) {
  ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "CLAUDE.md", "# rules\n").has_value());
  const DocsState before = sync_.hooks().DocsHash(admin_, project_.id).value();
  StoreLegacyDoc(".git/config", "[core]\n\tfsmonitor = touch /tmp/pwned\n");
  StoreLegacyDoc("CON.md", "device");

  // Hooks: neither pulled nor counted in the hash, which stays what the safe docs give.
  const Caller reader = KeyCaller(project_.id, KeyScope::kRead);
  const DocsSnapshot pulled = sync_.hooks().Pull(reader, project_.id).value();
  ASSERT_EQ(pulled.docs.size(), 1u);
  EXPECT_EQ(pulled.docs[0].file_name, "CLAUDE.md");
  const DocsState state = sync_.hooks().DocsHash(reader, project_.id).value();
  EXPECT_EQ(state.hash, before.hash);
  EXPECT_EQ(state.count, 1u);
  EXPECT_EQ(pulled.hash, state.hash);
  const auto consumers = sync_.hooks().Consumers(admin_, project_.id).value();
  ASSERT_EQ(consumers.size(), 1u);
  EXPECT_TRUE(consumers[0].current) << "the key pulled everything it may be served";

  // Named for the operator.
  auto names = sync_.hooks().UnservableDocNames(admin_, project_.id).value();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".git/config", "CON.md"}));
  EXPECT_EQ(sync_.hooks().UnservableDocNames(reader, project_.id).error().code(), ErrorCode::kPermissionDenied);

  // The API still reads them (list, get, history, version) and can delete them; it never
  // writes them again.
  EXPECT_EQ(sync_.docs().List(admin_, project_.id)->size(), 3u);
  EXPECT_EQ(sync_.docs().Get(reader, project_.id, ".git/config")->content, "[core]\n\tfsmonitor = touch /tmp/pwned\n");
  EXPECT_TRUE(sync_.docs().History(reader, project_.id, ".git/config").has_value());
  EXPECT_TRUE(sync_.docs().Version(reader, project_.id, ".git/config", 1).has_value());
  EXPECT_EQ(sync_.docs().Put(admin_, project_.id, ".git/config", "x").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.docs().Revert(admin_, project_.id, ".git/config", 1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(sync_.docs().Delete(admin_, project_.id, ".git/config").ok());
  EXPECT_TRUE(sync_.docs().Delete(admin_, project_.id, "CON.md").ok());
  EXPECT_TRUE(sync_.hooks().UnservableDocNames(admin_, project_.id)->empty());
}

TEST_F(UnsafeNameServiceTest, EveryFreeTextFieldRefusesNul) {
  const std::string nul("a\0b", 3);
  EXPECT_EQ(sync_.locks().Acquire(admin_, project_.id, {.locked_by = "lead", .reason = nul}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.locks().Acquire(admin_, project_.id, {.locked_by = nul}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.docs().Put(admin_, project_.id, "a.md", nul).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.keys().Create(admin_, project_.id, nul).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.projects().Create(admin_, {.name = nul, .repo_url = "x"}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.projects().Create(admin_, {.name = "n", .repo_url = nul}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.projects().Create(admin_, {.name = "n", .repo_url = "x", .token = nul}).error().code(),
            ErrorCode::kInvalidArgument);
  // Nothing was written: no lock, no doc, no key, one project.
  EXPECT_FALSE(sync_.locks().Get(admin_, project_.id).value().has_value());
  EXPECT_TRUE(sync_.docs().List(admin_, project_.id)->empty());
  EXPECT_TRUE(sync_.keys().List(admin_, project_.id)->empty());
  EXPECT_EQ(sync_.projects().List(admin_)->size(), 1u);
  // A reason with line breaks is still a reason.
  EXPECT_TRUE(sync_.locks().Acquire(admin_, project_.id, {.locked_by = "lead", .reason = "a\nb"}).has_value());
}

}  // namespace
}  // namespace libsync
