#include "repo_url_secret.hpp"

#include "libsync/remote_url.hpp"

namespace libsync::detail {
namespace {

// Bound to the project and to the URL as stored: a sealed secret copied to another
// project, or left under a URL changed in the database to another host, does not open,
// so it is never sent anywhere but where it was given for.
std::string SecretContext(std::string_view project_id, std::string_view shown_url) {
  return std::string(project_id) + "#repoUrl#" + std::string(shown_url);
}

}  // namespace

Result<SealedRepoUrl> SealRepoUrl(SecretBox& secrets, std::string_view url, std::string_view project_id) {
  SealedRepoUrl out{RedactRemoteUrl(url), {}};
  const std::string_view secret = RemoteUrlSecret(url);
  if (secret.empty()) return out;
  LIBSYNC_ASSIGN_OR_RETURN(out.secret, secrets.Seal(secret, SecretContext(project_id, out.shown)));
  return out;
}

Result<std::string> OpenRepoUrl(SecretBox& secrets, const Project& project) {
  const std::string_view placeholder = RemoteUrlSecret(project.repo_url);
  // No secret in the URL, or one in the clear (a row stored before, or written since by a
  // server of an older build): a sealed one beside it is left over.
  if (project.repo_url_secret.empty() || placeholder != kRedactedRemoteUrlSecret) return project.repo_url;
  auto opened = secrets.Open(project.repo_url_secret, SecretContext(project.id, project.repo_url));
  if (!opened) {
    return Status::InvalidArgument("the password in the project's stored repoUrl cannot be decrypted (" +
                                   opened.error().message() + "); give repoUrl again with its password");
  }
  return WithRemoteUrlSecret(project.repo_url, *opened);
}

bool RepoUrlSecretInTheClear(const Project& project) {
  const std::string_view secret = RemoteUrlSecret(project.repo_url);
  return !secret.empty() && secret != kRedactedRemoteUrlSecret;
}

}  // namespace libsync::detail
