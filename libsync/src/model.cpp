// Small conversions of the model's value types.

#include "libsync/model/api_key.hpp"
#include "libsync/model/doc_version.hpp"
#include "libsync/model/project.hpp"
#include "libsync/remote_url.hpp"

namespace libsync {

// The secret in a repoUrl (a password, or a token given as the user name) is a git
// credential like the token, and as write-only: every reader of the project (read keys
// included) sees "***" in its place (RedactRemoteUrl).
ProjectView ViewOf(const Project& p) {
  return ProjectView{p.id,         p.name,       RedactRemoteUrl(p.repo_url), !p.token.empty(),
                     p.branch,     p.docs_path,  p.created_at,        p.updated_at,
                     p.last_synced_commit, p.synced_at, !p.webhook_secret.empty(),
                     p.last_import, p.last_export, p.last_sync_error, p.last_sync_error_at,
                     p.sync_interval_seconds,
                     // The last check planned while polling was on is no next check once it is off.
                     p.sync_interval_seconds > 0 ? p.next_poll_at : std::nullopt};
}

std::string SyncPlaceOf(const Project& p) {
  return RemoteUrlWithoutUserInfo(p.repo_url) + '\n' + p.branch + '\n' + p.docs_path;
}

std::string_view SourceName(VersionSource source) noexcept {
  switch (source) {
    case VersionSource::kApi: return "api";
    case VersionSource::kGit: return "git";
    case VersionSource::kRevert: return "revert";
    case VersionSource::kWeb: return "web";
  }
  return "api";
}

bool ParseSource(std::string_view text, VersionSource* out) noexcept {
  for (auto s : {VersionSource::kApi, VersionSource::kGit, VersionSource::kRevert, VersionSource::kWeb}) {
    if (SourceName(s) == text) {
      *out = s;
      return true;
    }
  }
  return false;
}

std::string_view ScopeName(KeyScope scope) noexcept {
  return scope == KeyScope::kWrite ? "write" : "read";
}

bool ParseScope(std::string_view text, KeyScope* out) noexcept {
  if (text == "read") {
    *out = KeyScope::kRead;
  } else if (text == "write") {
    *out = KeyScope::kWrite;
  } else {
    return false;
  }
  return true;
}

}  // namespace libsync
