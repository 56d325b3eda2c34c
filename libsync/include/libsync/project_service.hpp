#pragma once
// ProjectService: projects and their write-only git token.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/caller.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

struct NewProject {
  std::string name;
  std::string repo_url;
  std::string token;  ///< plain git token; sealed before it is stored; may be empty
  std::optional<std::string> branch;     ///< default "main"
  std::optional<std::string> docs_path;  ///< default "docs"
  /// The push webhooks' shared secret (ProjectService::kMinWebhookSecretBytes or more,
  /// printable ASCII); sealed before it is stored; empty: the project takes no webhooks.
  std::string webhook_secret;
  /// How often to check the branch head and import when it moved: 0 (never) or
  /// ProjectService::kMinSyncIntervalSeconds to kMaxSyncIntervalSeconds.
  std::int64_t sync_interval_seconds = 0;
};

/// Fields left unset are kept.
struct ProjectChanges {
  std::optional<std::string> name;
  std::optional<std::string> repo_url;
  std::optional<std::string> token;
  std::optional<std::string> branch;
  std::optional<std::string> docs_path;
  std::optional<std::string> webhook_secret;  ///< "" removes it
  std::optional<std::int64_t> sync_interval_seconds;
};

/// Projects CRUD. The git token, the secret in repoUrl (a password, or a token given as its
/// user name) and the webhook secret are write-only: they go in sealed, and only
/// RevealToken, RevealRepoUrl and RevealWebhookSecret (for the git adapter and the webhook
/// check, not for callers) give them back. Thread-safe.
class ProjectService {
 public:
  /// A webhook secret shorter than this could be guessed offline from one signed delivery.
  static constexpr std::size_t kMinWebhookSecretBytes = 16;
  static constexpr std::size_t kMaxWebhookSecretBytes = 256;
  /// Polling more often than this would cost every remote a ref listing per project
  /// faster than any team pushes; a push webhook is the way to be quicker.
  static constexpr std::int64_t kMinSyncIntervalSeconds = 30;
  static constexpr std::int64_t kMaxSyncIntervalSeconds = 7 * 24 * 3600;

  explicit ProjectService(const ServiceContext& ctx) : ctx_(ctx) {}

  /// Admin only. Expected errors: kPermissionDenied, kInvalidArgument.
  Result<ProjectView> Create(const Caller& caller, const NewProject& input);
  /// The admin sees every project; a key sees its own.
  Result<std::vector<ProjectView>> List(const Caller& caller);
  /// Expected errors: kNotFound.
  Result<ProjectView> Get(const Caller& caller, std::string_view id);
  /// Admin only. Expected errors: kPermissionDenied, kInvalidArgument, kNotFound.
  Result<ProjectView> Update(const Caller& caller, std::string_view id,
                             const ProjectChanges& changes);
  /// Admin only; deletes docs, history, lock, keys and the event log with it, and
  /// publishes `project:deleted` (the log's last event, gone with it once committed).
  /// Expected errors: kPermissionDenied, kNotFound.
  Status Delete(const Caller& caller, std::string_view id);

  /// The plain git token, for talking to the remote. Expected errors: kNotFound.
  Result<std::string> RevealToken(std::string_view id);
  /// The repoUrl git is given, its secret in it. Expected errors: kNotFound,
  /// kInvalidArgument (the sealed secret does not open).
  Result<std::string> RevealRepoUrl(std::string_view id);
  /// Seals the secret of every repoUrl stored in the clear, as projects were before such
  /// secrets were sealed apart; run at start. Returns how many it sealed.
  Result<std::size_t> SealRepoUrlSecrets();
  /// The plain webhook secret ("" when none is set), for checking a delivery's signature.
  /// Expected errors: kNotFound.
  Result<std::string> RevealWebhookSecret(std::string_view id);

 private:
  const ServiceContext& ctx_;
};

}  // namespace libsync
