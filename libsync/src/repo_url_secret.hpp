#pragma once
// The secret of a project's repoUrl (a password, or a token given as the user name) sealed
// apart from the URL, so the database holds the URL only as readers are shown it.

#include <string>
#include <string_view>

#include "libsync/model/project.hpp"
#include "libsync/ports/secret_box.hpp"
#include "libsync/result.hpp"

namespace libsync::detail {

struct SealedRepoUrl {
  std::string shown;   ///< the URL with "***" in its secret's place (the URL itself without one)
  std::string secret;  ///< the secret sealed by the SecretBox; empty when the URL has none
};

/// Splits `url` into what Project::repo_url and Project::repo_url_secret store.
Result<SealedRepoUrl> SealRepoUrl(SecretBox& secrets, std::string_view url, std::string_view project_id);

/// The URL git is given: `project.repo_url` with its sealed secret opened in its place.
/// Expected errors: kInvalidArgument (the secret does not open: another key, or another
/// URL or project than it was sealed for).
Result<std::string> OpenRepoUrl(SecretBox& secrets, const Project& project);

/// Whether `project.repo_url` holds its secret in the clear: stored before secrets were
/// sealed apart, or written since by a server of an older build.
bool RepoUrlSecretInTheClear(const Project& project);

}  // namespace libsync::detail
