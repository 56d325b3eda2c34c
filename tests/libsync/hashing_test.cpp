#include "libsync/hashing.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace libsync {
namespace {

TEST(Sha256Hex, MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("é"), "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
}

TEST(ProjectDocsHash, HashesSortedFileNameTabHashLines) {
  // Independently computed: sha256("a.md\t<sha(A)>\nguides/style.md\t<sha(S)>\n").
  std::vector<DocSummary> docs = {{"guides/style.md", Sha256Hex("S")}, {"a.md", Sha256Hex("A")}};
  EXPECT_EQ(ProjectDocsHash(docs), "eeffd681aca929c3430a7b394c2c844145e2716782a0fc4a901a67a1d7920754");
}

TEST(ProjectDocsHash, IgnoresInputOrder) {
  std::vector<DocSummary> one = {{"a.md", Sha256Hex("A")}, {"b.md", Sha256Hex("B")}};
  std::vector<DocSummary> two = {{"b.md", Sha256Hex("B")}, {"a.md", Sha256Hex("A")}};
  EXPECT_EQ(ProjectDocsHash(one), ProjectDocsHash(two));
}

TEST(ProjectDocsHash, ChangesOnRenameEditAddAndRemove) {
  std::vector<DocSummary> base = {{"a.md", Sha256Hex("A")}, {"b.md", Sha256Hex("B")}};
  const std::string h = ProjectDocsHash(base);
  auto renamed = base;
  renamed[1].file_name = "c.md";
  auto edited = base;
  edited[0].hash = Sha256Hex("A2");
  auto added = base;
  added.push_back({"z.md", Sha256Hex("Z")});
  auto removed = base;
  removed.pop_back();
  for (const auto* v : {&renamed, &edited, &added, &removed}) EXPECT_NE(ProjectDocsHash(*v), h);
}

TEST(ProjectDocsHash, EmptyProjectHashesTheEmptyString) {
  EXPECT_EQ(ProjectDocsHash({}), Sha256Hex(""));
}

TEST(ProjectDocsHash, SortsBytewiseNotByLocale) {
  // 'B' (0x42) sorts before 'a' (0x61) bytewise; a locale-aware sort would differ.
  std::vector<DocSummary> docs = {{"a.md", "1"}, {"B.md", "2"}};
  EXPECT_EQ(ProjectDocsHash(docs), Sha256Hex("B.md\t2\na.md\t1\n"));
}

TEST(GitBlobId, MatchesGitHashObject) {
  EXPECT_EQ(GitBlobId("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(GitBlobId(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace libsync
