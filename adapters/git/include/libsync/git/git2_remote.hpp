#pragma once
// The GitRemote port on libgit2: any remote git can reach (HTTPS with a token, SSH with an
// agent, local paths and file:// URLs), through a bare cache repository per project.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "libsync/ports/git_remote.hpp"

namespace libsync::git {

struct Git2RemoteOptions {
  /// Where the per-project cache repositories live (created if missing).
  std::string cache_dir;
  /// The user name sent with a token over HTTPS (GitHub accepts any; this is its convention).
  std::string token_username = "x-access-token";

  /// A fetch or push over the network (http://, https://, git://) fails with
  /// kDeadlineExceeded when the remote sends and accepts nothing for this long. Data that
  /// keeps arriving, however slowly, keeps the transfer alive until `transfer_timeout`.
  std::chrono::milliseconds idle_timeout{30000};
  /// Longest wait for a TCP connection to be accepted (every address of the host together;
  /// name resolution is the system resolver's and has its own limits).
  std::chrono::milliseconds connect_timeout{30000};
  /// Longest a whole fetch or push may take, however steadily the remote answers.
  std::chrono::milliseconds transfer_timeout{300000};
  /// When set and it turns true (a server shutting down), every running transfer gives up
  /// within 100 ms and every later one at once, with kUnavailable. Owned by the caller; it
  /// must outlive the remote.
  const std::atomic<bool>* cancel = nullptr;
};

/// Thread-safe: calls for different projects run in parallel, calls for one project are
/// serialized (libgit2 objects are single-threaded). Tokens live only in memory for the
/// duration of a call and are scrubbed from every error message. Fetch and Push fail with
/// kDeadlineExceeded when a limit above is hit; nothing is then changed in the cache's
/// refs. ssh:// remotes get the connect timeout, the total deadline and cancellation, but
/// no no-progress timeout (libssh2 reads its socket itself; see docs/git-sync.md).
/// Expected errors: kInvalidArgument (cache_dir empty or not creatable, a timeout that is
/// not positive).
Result<std::unique_ptr<GitRemote>> MakeGit2Remote(const Git2RemoteOptions& options);

}  // namespace libsync::git
