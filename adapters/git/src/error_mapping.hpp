#pragma once
// The one place where libgit2 error codes become libsync Status values.

#include <initializer_list>
#include <string_view>

#include "libsync/status.hpp"

namespace libsync::git {

/// Maps a libgit2 return code (negative), reading git_error_last() at once because it is
/// thread-local and overwritten by the next call. Each of `secrets` (a token, a password in
/// the remote's URL) is replaced by "***" wherever it appears in the message.
Status MapGitError(int code, std::string_view what, std::initializer_list<std::string_view> secrets = {});

}  // namespace libsync::git
