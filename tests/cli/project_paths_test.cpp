#include "project_paths.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace aitk {
namespace {

namespace fs = std::filesystem;

class ProjectPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("aitk-paths-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "project");
    fs::create_directories(dir_ / "outside");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ProjectPaths, APlainRelativePathIsAccepted) {
  auto path = PathInProject(dir_ / "project", ".cursor/rules/a.mdc");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, dir_ / "project" / ".cursor" / "rules" / "a.mdc");
}

TEST_F(ProjectPaths, NamesThePullWouldRefuseAreRefused) {
  for (const char* name : {"../x.md", "/etc/passwd", "a/../../x", ".git/config", ".cursor/rules/CON.mdc", "a:b",
                           "a\\b"}) {
    EXPECT_FALSE(PathInProject(dir_ / "project", name).has_value()) << name;
  }
}

TEST_F(ProjectPaths, ALinkAnywhereBelowTheProjectIsRefused) {
  fs::create_directory_symlink(dir_ / "outside", dir_ / "project" / ".cursor");
  auto path = PathInProject(dir_ / "project", ".cursor/rules/a.mdc");
  ASSERT_FALSE(path.has_value());
  EXPECT_NE(path.error().message().find("symbolic link"), std::string::npos);
  fs::create_directories(dir_ / "project" / "real");
  fs::create_symlink(dir_ / "outside" / "f", dir_ / "project" / "real" / "AGENTS.md");
  EXPECT_FALSE(PathInProject(dir_ / "project", "real/AGENTS.md").has_value());
}

}  // namespace
}  // namespace aitk
