#pragma once
// Project and ProjectView: a team's document set and the git branch it syncs with, as
// stored and as shown to callers (without the sealed token and webhook secret).

#include <cstdint>
#include <optional>
#include <string>

#include "libsync/timestamp.hpp"

namespace libsync {

/// How one direction of git sync (import or export) last ended.
struct SyncOutcome {
  std::optional<Timestamp> at;  ///< nullopt before the first
  std::string commit;           ///< the commit imported or pushed; empty when it failed
  /// "ok", "conflicts", "failed", or (imports only) "waiting": refused for the lock, and
  /// run again when it ends (ImportRequest::runs_when_unlocked). Empty before the first.
  std::string result;
};

/// A team's document set and the git branch + folder it syncs with.
/// `token` holds the git token sealed by the SecretBox (never the plain token); empty when
/// the remote needs none. The same goes for the secret of `repo_url` (`repo_url_secret`).
struct Project {
  std::string id;
  std::string name;
  std::string repo_url;
  std::string token;
  std::string branch = "main";
  std::string docs_path = "docs";
  Timestamp created_at{};
  Timestamp updated_at{};
  std::string last_synced_commit;  ///< empty until the first sync
  std::optional<Timestamp> synced_at;
  /// The push webhooks' shared secret, sealed by the SecretBox like `token` (never the
  /// plain secret); empty when the project takes no webhooks.
  std::string webhook_secret;
  SyncOutcome last_import;
  SyncOutcome last_export;
  std::string last_sync_error;  ///< the last failed sync's message, fit for every reader of the project
  std::optional<Timestamp> last_sync_error_at;
  /// How often the server checks the branch head and imports when it moved: 0 = never,
  /// else at least 30 (ProjectService::kMinSyncIntervalSeconds).
  std::int64_t sync_interval_seconds = 0;
  /// When the server holding the project's polling lease checks next. Written only by
  /// Transaction::ClaimPoll; UpdateProject leaves it as it is.
  std::optional<Timestamp> next_poll_at;
  /// Set by git sync alone, and never shown: the commit of the last import of the whole
  /// docsPath (recursive) that ended without any conflict, or of an export pushed on top
  /// of such a state, with the scope it was taken in (GitSyncService's own format). While
  /// the branch head is that commit, an import would find nothing to do, so an export
  /// skips the tree walk. Empty when no such state is known.
  std::string clean_sync_mark;
  /// The secret of `repo_url` (its password, or a token given as its user name), sealed by
  /// the SecretBox like `token`; `repo_url` then holds "***" in its place, as readers are
  /// shown it. Empty when the URL holds no secret, or for a project stored before secrets
  /// were sealed whose `repo_url` still holds it in the clear
  /// (ProjectService::SealRepoUrlSecrets).
  std::string repo_url_secret;
};

/// A project as shown to callers: everything but the sealed token.
struct ProjectView {
  std::string id;
  std::string name;
  std::string repo_url;
  bool has_token = false;
  std::string branch;
  std::string docs_path;
  Timestamp created_at{};
  Timestamp updated_at{};
  std::string last_synced_commit;
  std::optional<Timestamp> synced_at;
  bool has_webhook_secret = false;
  SyncOutcome last_import;
  SyncOutcome last_export;
  std::string last_sync_error;
  std::optional<Timestamp> last_sync_error_at;
  std::int64_t sync_interval_seconds = 0;
  std::optional<Timestamp> next_poll_at;
};

ProjectView ViewOf(const Project& project);

/// Where the project syncs: its remote without credentials, its branch and docsPath. Docs'
/// bases and lastSyncedCommit describe this place; a new password for the same remote
/// leaves it as it is.
std::string SyncPlaceOf(const Project& project);

}  // namespace libsync
