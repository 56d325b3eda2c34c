#pragma once
// A temporary directory removed with everything in it when the object dies.

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace libsync::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/libsync-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace libsync::testing
