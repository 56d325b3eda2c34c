#include "libsync/project_service.hpp"

#include "access.hpp"
#include "json_writer.hpp"
#include "libsync/credentials.hpp"
#include "libsync/remote_url.hpp"
#include "libsync/validation.hpp"
#include "repo_url_secret.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxTokenBytes = 4096;

Status ValidateProjectFields(const Project& p, std::string_view plain_token) {
  LIBSYNC_RETURN_IF_ERROR(ValidateLabel(p.name, "name", kMaxNameBytes));
  const std::int64_t interval = p.sync_interval_seconds;
  if (interval != 0 &&
      (interval < ProjectService::kMinSyncIntervalSeconds || interval > ProjectService::kMaxSyncIntervalSeconds)) {
    return Status::InvalidArgument("syncIntervalSeconds must be 0 (no polling) or " +
                                   std::to_string(ProjectService::kMinSyncIntervalSeconds) + " to " +
                                   std::to_string(ProjectService::kMaxSyncIntervalSeconds));
  }
  LIBSYNC_RETURN_IF_ERROR(ValidateLabel(p.repo_url, "repoUrl", kMaxUrlBytes));
  LIBSYNC_RETURN_IF_ERROR(ValidateBranchName(p.branch));
  LIBSYNC_RETURN_IF_ERROR(ValidateDocsPath(p.docs_path));
  if (plain_token.size() > kMaxTokenBytes) return Status::InvalidArgument("token is too long");
  for (const char c : plain_token) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Status::InvalidArgument("token contains a control character");
    }
  }
  return Status::Ok();
}

// Checked where a repoUrl is given (create, or an update that changes it), so a project
// stored before the rule can still be renamed.
Status ValidateNewRepoUrl(std::string_view url) {
  if (RemoteUrlHasQueryOrFragment(url)) {
    return Status::InvalidArgument(
        "repoUrl has a query or fragment ('?' or '#'), which no git remote needs and where a token would be "
        "shown to every reader of the project; give a token in the token field (in a password, write '?' as %3F "
        "and '#' as %23)");
  }
  if (RemoteUrlHasAtAfterItsHost(url)) {
    return Status::InvalidArgument(
        "repoUrl has an '@' after the '/' that ends its host: a password holding '/' would be read as the host "
        "and path; write '/' in a password as %2F");
  }
  // Refused here, not left to fail at every sync as a remote that cannot be reached.
  if (std::string problem = RemoteUrlSyntaxProblem(url); !problem.empty()) {
    return Status::InvalidArgument(std::move(problem));
  }
  return Status::Ok();
}

Result<std::string> SealToken(const ServiceContext& ctx, std::string_view token,
                              std::string_view project_id) {
  if (token.empty()) return std::string();
  return ctx.secrets.Seal(token, project_id);
}

// Sealed for its own purpose: a sealed git token copied into this column (or the other
// way round) does not open.
std::string WebhookSecretContext(std::string_view project_id) { return std::string(project_id) + "#webhook"; }

Status ValidateWebhookSecret(std::string_view secret) {
  if (secret.empty()) return Status::Ok();
  if (secret.size() < ProjectService::kMinWebhookSecretBytes || secret.size() > ProjectService::kMaxWebhookSecretBytes) {
    return Status::InvalidArgument("webhookSecret must be " + std::to_string(ProjectService::kMinWebhookSecretBytes) +
                                   " to " + std::to_string(ProjectService::kMaxWebhookSecretBytes) +
                                   " characters (or empty, for no webhooks)");
  }
  for (const char c : secret) {
    if (c < 0x21 || c > 0x7e) return Status::InvalidArgument("webhookSecret must be printable ASCII without spaces");
  }
  return Status::Ok();
}

Result<std::string> SealWebhookSecret(const ServiceContext& ctx, std::string_view secret,
                                      std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(ValidateWebhookSecret(secret));
  if (secret.empty()) return std::string();
  return ctx.secrets.Seal(secret, WebhookSecretContext(project_id));
}

// Seals the secret of `p.repo_url` apart (detail::SealRepoUrl).
Status SealRepoUrlOf(const ServiceContext& ctx, Project& p) {
  LIBSYNC_ASSIGN_OR_RETURN(auto sealed, detail::SealRepoUrl(ctx.secrets, p.repo_url, p.id));
  p.repo_url = std::move(sealed.shown);
  p.repo_url_secret = std::move(sealed.secret);
  return Status::Ok();
}

}  // namespace

Result<ProjectView> ProjectService::Create(const Caller& caller, const NewProject& input) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  Project p;
  p.id = NewId(ctx_.clock.Now(), ctx_.random);
  p.name = input.name;
  p.repo_url = input.repo_url;
  if (input.branch) p.branch = *input.branch;
  if (input.docs_path) p.docs_path = NormalizeDocsPath(*input.docs_path);
  p.sync_interval_seconds = input.sync_interval_seconds;
  LIBSYNC_RETURN_IF_ERROR(ValidateProjectFields(p, input.token));
  LIBSYNC_RETURN_IF_ERROR(ValidateNewRepoUrl(p.repo_url));
  LIBSYNC_RETURN_IF_ERROR(SealRepoUrlOf(ctx_, p));
  LIBSYNC_ASSIGN_OR_RETURN(p.token, SealToken(ctx_, input.token, p.id));
  LIBSYNC_ASSIGN_OR_RETURN(p.webhook_secret, SealWebhookSecret(ctx_, input.webhook_secret, p.id));
  p.created_at = p.updated_at = ctx_.clock.Now();
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(
      ctx_, [&](Transaction& tx, detail::EventBatch&) { return tx.InsertProject(p); }));
  return ViewOf(p);
}

Result<std::vector<ProjectView>> ProjectService::List(const Caller& caller) {
  std::vector<ProjectView> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    out.clear();
    if (!caller.is_admin()) {
      auto p = tx.GetProject(caller.project_id());
      if (p) out.push_back(ViewOf(*p));
      return p.has_value() || p.error().code() == ErrorCode::kNotFound ? Status::Ok() : p.error();
    }
    LIBSYNC_ASSIGN_OR_RETURN(auto projects, tx.ListProjects());
    for (const auto& p : projects) out.push_back(ViewOf(p));
    return Status::Ok();
  }));
  return out;
}

Result<ProjectView> ProjectService::Get(const Caller& caller, std::string_view id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, id, detail::Access::kRead));
  std::optional<ProjectView> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto p, tx.GetProject(id));
    out = ViewOf(p);
    return Status::Ok();
  }));
  return *out;
}

Result<ProjectView> ProjectService::Update(const Caller& caller, std::string_view id,
                                           const ProjectChanges& changes) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  std::optional<std::string> sealed;
  if (changes.token) {
    LIBSYNC_ASSIGN_OR_RETURN(sealed, SealToken(ctx_, *changes.token, id));
  }
  std::optional<std::string> sealed_secret;
  if (changes.webhook_secret) {
    LIBSYNC_ASSIGN_OR_RETURN(sealed_secret, SealWebhookSecret(ctx_, *changes.webhook_secret, id));
  }
  const Timestamp now = ctx_.clock.Now();
  std::optional<Project> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch&) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(id));
    LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject(id));
    const std::string was_synced_with = SyncPlaceOf(p);
    if (changes.name) p.name = *changes.name;
    bool new_repo_url = false;
    // The URL as readers see it (its secret as "***", ViewOf) keeps the stored one: a form
    // that sends back what it was shown changes nothing. Edited around the "***", it would
    // store those three stars as the password.
    if (changes.repo_url && *changes.repo_url != RedactRemoteUrl(p.repo_url)) {
      if (RemoteUrlSecret(*changes.repo_url) == kRedactedRemoteUrlSecret) {
        return Status::InvalidArgument(
            "repoUrl holds *** where its password goes, as the project is shown: give the password again, or "
            "leave repoUrl out to keep the stored one");
      }
      LIBSYNC_RETURN_IF_ERROR(ValidateNewRepoUrl(*changes.repo_url));
      p.repo_url = *changes.repo_url;
      new_repo_url = true;
    }
    if (changes.branch) p.branch = *changes.branch;
    if (changes.docs_path) p.docs_path = NormalizeDocsPath(*changes.docs_path);
    // Another remote, branch or folder (new credentials for the same remote are not): the
    // project is synced with no commit of it yet. The next import then reads a synced doc
    // missing there as not yet in that place, never as deleted there (RunImport), and the
    // next export starts a missing branch with every doc.
    if (SyncPlaceOf(p) != was_synced_with) {
      p.last_synced_commit.clear();
      p.synced_at.reset();
    }
    if (changes.sync_interval_seconds) p.sync_interval_seconds = *changes.sync_interval_seconds;
    LIBSYNC_RETURN_IF_ERROR(ValidateProjectFields(p, changes.token.value_or("")));
    // A new URL, or one stored before secrets were sealed apart: either way its secret
    // leaves the row's text here.
    if (new_repo_url || detail::RepoUrlSecretInTheClear(p)) LIBSYNC_RETURN_IF_ERROR(SealRepoUrlOf(ctx_, p));
    if (sealed) p.token = *sealed;
    if (sealed_secret) p.webhook_secret = *sealed_secret;
    p.updated_at = now;
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateProject(p));
    out = std::move(p);
    return Status::Ok();
  }));
  return ViewOf(*out);
}

Status ProjectService::Delete(const Caller& caller, std::string_view id) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  return detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(id));
    // Appended before the delete, which takes the project's event log with it: the event
    // commits (and, on PostgreSQL, its notice goes out) with the deletion, and then lives
    // on only in what subscribers received.
    LIBSYNC_RETURN_IF_ERROR(events.Append(id, event_type::kProjectDeleted,
                                          detail::JsonObject().Add("deletedBy", caller.name()).Close()));
    return tx.DeleteProject(id);
  });
}

Result<std::string> ProjectService::RevealToken(std::string_view id) {
  std::string sealed;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto p, tx.GetProject(id));
    sealed = std::move(p.token);
    return Status::Ok();
  }));
  if (sealed.empty()) return std::string();
  return ctx_.secrets.Open(sealed, id);
}

Result<std::string> ProjectService::RevealRepoUrl(std::string_view id) {
  std::optional<Project> project;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(project, tx.GetProject(id));
    return Status::Ok();
  }));
  return detail::OpenRepoUrl(ctx_.secrets, *project);
}

Result<std::size_t> ProjectService::SealRepoUrlSecrets() {
  std::vector<std::string> in_the_clear;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    in_the_clear.clear();
    LIBSYNC_ASSIGN_OR_RETURN(auto projects, tx.ListProjects());
    for (const Project& p : projects) {
      if (detail::RepoUrlSecretInTheClear(p)) in_the_clear.push_back(p.id);
    }
    return Status::Ok();
  }));
  std::size_t sealed = 0;
  for (const std::string& id : in_the_clear) {
    bool sealed_this = false;
    LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch&) {
      sealed_this = false;
      Status locked = tx.LockProject(id);
      // Deleted since the listing.
      if (locked.code() == ErrorCode::kNotFound) return Status::Ok();
      LIBSYNC_RETURN_IF_ERROR(locked);
      LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject(id));
      if (!detail::RepoUrlSecretInTheClear(p)) return Status::Ok();  // sealed by an update since
      LIBSYNC_RETURN_IF_ERROR(SealRepoUrlOf(ctx_, p));
      sealed_this = true;
      return tx.UpdateProject(p);
    }));
    sealed += sealed_this ? 1 : 0;
  }
  return sealed;
}

Result<std::string> ProjectService::RevealWebhookSecret(std::string_view id) {
  std::string sealed;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto p, tx.GetProject(id));
    sealed = std::move(p.webhook_secret);
    return Status::Ok();
  }));
  if (sealed.empty()) return std::string();
  return ctx_.secrets.Open(sealed, WebhookSecretContext(id));
}

}  // namespace libsync
