// What the adapter sets in libgit2 for the whole process, checked through libgit2 itself.

#include <git2.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../sql/temp_dir.hpp"
#include "libsync/git/git2_remote.hpp"

namespace libsync::testing {
namespace {

// The tree of a folder with thousands of docs is read from disk and parsed once, then kept
// in the repository's object cache: an export's commit and push look it up four times
// (libgit2 kept trees of 4 KB at most, and an export among 10,000 docs cost 3x one among
// 1,000). Two lookups of the same tree give the same object only when it is kept.
TEST(Git2Settings, ATreeOfThousandsOfEntriesIsParsedOnceAndKept) {
  TempDir dir;
  auto remote = git::MakeGit2Remote({.cache_dir = dir.path()});
  ASSERT_TRUE(remote.has_value());
  ASSERT_TRUE((*remote)->MergeFile("a\n", "a\n", "a\n").has_value());  // its first libgit2 call sets libgit2 up
  git_repository* raw_repo = nullptr;
  ASSERT_EQ(git_repository_init(&raw_repo, (dir.path() + "/repo.git").c_str(), 1), 0);
  std::unique_ptr<git_repository, decltype(&git_repository_free)> repo(raw_repo, git_repository_free);
  git_oid blob;
  ASSERT_EQ(git_blob_create_from_buffer(&blob, repo.get(), "# Doc\n", 6), 0);
  git_treebuilder* raw_builder = nullptr;
  ASSERT_EQ(git_treebuilder_new(&raw_builder, repo.get(), nullptr), 0);
  std::unique_ptr<git_treebuilder, decltype(&git_treebuilder_free)> builder(raw_builder, git_treebuilder_free);
  for (int i = 0; i < 5000; ++i) {  // about 180 KB
    const std::string name = "d" + std::to_string(i) + ".md";
    ASSERT_EQ(git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &blob, GIT_FILEMODE_BLOB), 0);
  }
  git_oid tree_id;
  ASSERT_EQ(git_treebuilder_write(&tree_id, builder.get()), 0);

  git_tree* first = nullptr;
  git_tree* second = nullptr;
  ASSERT_EQ(git_tree_lookup(&first, repo.get(), &tree_id), 0);
  ASSERT_EQ(git_tree_lookup(&second, repo.get(), &tree_id), 0);
  EXPECT_EQ(first, second) << "the 5,000-entry tree was read and parsed again";
  EXPECT_EQ(git_tree_entrycount(second), 5000u);
  git_tree_free(second);
  git_tree_free(first);
}

}  // namespace
}  // namespace libsync::testing
