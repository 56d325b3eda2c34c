#pragma once
// The GitRemote port on libgit2: any remote git can reach (HTTPS with a token, SSH with an
// agent, local paths and file:// URLs), through a bare cache repository per project.

#include <memory>
#include <string>

#include "libsync/ports/git_remote.hpp"

namespace libsync::git {

struct Git2RemoteOptions {
  /// Where the per-project cache repositories live (created if missing).
  std::string cache_dir;
  /// The user name sent with a token over HTTPS (GitHub accepts any; this is its convention).
  std::string token_username = "x-access-token";
};

/// Thread-safe: calls for different projects run in parallel, calls for one project are
/// serialized (libgit2 objects are single-threaded). Tokens live only in memory for the
/// duration of a call and are scrubbed from every error message.
/// Expected errors: kInvalidArgument (cache_dir empty or not creatable).
Result<std::unique_ptr<GitRemote>> MakeGit2Remote(const Git2RemoteOptions& options);

}  // namespace libsync::git
