#pragma once
// Real git repositories for the sync tests: a bare "remote" and a work clone driven with
// the git command line, plus a GitRemote decorator that counts blob reads and tree listings
// and can move the remote just before a push.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>

#include "libsync/ports/git_remote.hpp"

namespace libsync::testing {

/// Runs a shell command and returns its stdout; fails the test on a non-zero exit.
inline std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int rc = pclose(pipe);
  EXPECT_EQ(rc, 0) << command << "\n" << out;
  return out;
}

class GitRepos {
 public:
  explicit GitRepos(const std::string& root) : bare_(root + "/remote.git"), work_(root + "/work") {
    Shell("git init -q --bare -b main " + bare_);
    Shell("git init -q -b main " + work_);
    Git("remote add origin " + bare_);
  }

  const std::string& bare() const { return bare_; }
  const std::string& work() const { return work_; }

  void Write(const std::string& path, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(work_ + "/" + path).parent_path());
    std::ofstream(work_ + "/" + path, std::ios::binary) << content;
  }
  void Remove(const std::string& path) { Git("rm -q " + path); }
  /// Commits everything in the work tree and pushes it to the bare remote.
  void CommitAndPush(const std::string& message) {
    Git("add -A");
    Git("commit -q -m '" + message + "'");
    Git("push -q origin HEAD:main");
  }
  /// Brings the work tree up to the remote (after libsync pushed).
  void Pull() { Git("pull -q --rebase origin main"); }

  std::string Show(const std::string& rev_path) { return Shell("git -C " + bare_ + " show " + rev_path); }
  int CommitCount() { return std::stoi(Shell("git -C " + bare_ + " rev-list --count main")); }
  std::string Git(const std::string& args) {
    return Shell("git -C " + work_ + " -c user.name=tester -c user.email=t@example.com " + args);
  }

 private:
  std::string bare_;
  std::string work_;
};

/// Forwards to a real GitRemote, counting transfers and blob reads; `before_push` runs once before the
/// next push (to make the remote move under an export), `during_blob_read` once at the next blob
/// read (an import is then planning, between its read of the local docs and its write transaction).
class CountingGitRemote final : public GitRemote {
 public:
  explicit CountingGitRemote(GitRemote& inner) : inner_(inner) {}

  std::atomic<int> blob_reads{0};
  std::atomic<int> transfers{0};  ///< fetches and pushes: calls that reach the remote
  std::function<void()> before_push;
  std::function<void()> during_blob_read;
  std::function<void()> during_fetch;  ///< runs at every fetch (to make one take a while); set before use

  std::string fetched_url;  ///< the URL of the last fetch, as the service handed it over

  Result<std::string> Fetch(const GitTarget& t) override {
    ++transfers;
    fetched_url = t.url;
    if (during_fetch) during_fetch();
    return inner_.Fetch(t);
  }
  std::atomic<int> ref_listings{0};  ///< RemoteHead calls: they reach the remote but move no objects

  Result<std::string> RemoteHead(const GitTarget& t) override {
    ++ref_listings;
    return inner_.RemoteHead(t);
  }
  std::atomic<int> tree_listings{0};  ///< ListTree calls: each walks the whole tree under the folder

  Result<std::vector<GitFile>> ListTree(const GitTarget& t, const std::string& c, const std::string& d,
                                        bool r) override {
    ++tree_listings;
    return inner_.ListTree(t, c, d, r);
  }
  std::atomic<std::size_t> last_read_limit{0};  ///< the max_bytes of the last blob read

  Result<std::string> ReadBlob(const GitTarget& t, const std::string& b, std::size_t max_bytes) override {
    ++blob_reads;
    last_read_limit = max_bytes;
    if (auto hook = std::exchange(during_blob_read, nullptr)) hook();
    return inner_.ReadBlob(t, b, max_bytes);
  }
  Result<GitMerge> MergeFile(const std::string& b, const std::string& o, const std::string& t) override {
    return inner_.MergeFile(b, o, t);
  }
  Result<std::string> Commit(const GitTarget& t, const std::string& p, const std::vector<GitChange>& c,
                             const std::string& m, const GitAuthor& a) override {
    return inner_.Commit(t, p, c, m, a);
  }
  Status Push(const GitTarget& t, const std::string& c, const std::string& e) override {
    ++transfers;
    if (before_push) {
      auto hook = std::move(before_push);
      before_push = nullptr;
      hook();
    }
    return inner_.Push(t, c, e);
  }
  Status Forget(const std::string& project_id) override { return inner_.Forget(project_id); }

 private:
  GitRemote& inner_;
};

}  // namespace libsync::testing
