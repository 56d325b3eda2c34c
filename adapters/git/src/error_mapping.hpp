#pragma once
// The one place where libgit2 error codes become libsync Status values.

#include <string_view>

#include "libsync/status.hpp"

namespace libsync::git {

/// Maps a libgit2 return code (negative), reading git_error_last() at once because it is
/// thread-local and overwritten by the next call. `secret` (a token) is replaced by "***"
/// wherever it appears in the message.
Status MapGitError(int code, std::string_view what, std::string_view secret = {});

}  // namespace libsync::git
