#include "libsync/git_webhook_service.hpp"

#include <algorithm>

#include "libsync/hashing.hpp"

namespace libsync {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// GitHub and Gitea sign the body with HMAC-SHA256 under the secret; GitLab sends the
// secret itself. Every comparison takes the same time whatever the bytes: GitLab's is
// made between hashes, so not even the secret's length shows.
Status CheckSignature(const WebhookDelivery& d, std::string_view secret) {
  bool matches = false;
  if (!d.gitea_signature.empty()) {
    matches = ConstantTimeEquals(Lower(d.gitea_signature), HmacSha256Hex(secret, d.body));
  } else if (!d.github_signature.empty()) {
    constexpr std::string_view kPrefix = "sha256=";
    matches = d.github_signature.substr(0, kPrefix.size()) == kPrefix &&
              ConstantTimeEquals(Lower(d.github_signature.substr(kPrefix.size())), HmacSha256Hex(secret, d.body));
  } else if (!d.gitlab_token.empty()) {
    matches = ConstantTimeEquals(Sha256Hex(d.gitlab_token), Sha256Hex(secret));
  } else {
    return Status::Unauthenticated(
        "a webhook needs a signature: X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea, Forgejo) or "
        "X-Gitlab-Token (GitLab)");
  }
  if (matches) return Status::Ok();
  return Status::Unauthenticated("the webhook's signature does not match the project's webhook secret");
}

bool IsPush(std::string_view event) { return event == "push" || event == "Push Hook"; }

WebhookAnswer Ignored(std::string detail) { return WebhookAnswer{false, GitSyncScheduler::Outcome::kStarted, std::move(detail)}; }

}  // namespace

Result<WebhookAnswer> GitWebhookService::Receive(std::string_view project_id, const WebhookDelivery& delivery,
                                                 FunctionRef<Result<std::string>(std::string_view body)> pushed_ref) {
  if (delivery.body.size() > options_.max_body_bytes) {
    return Status::TooLarge("a webhook body is limited to " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  const Caller webhook_caller = Caller::Admin("webhook");
  LIBSYNC_ASSIGN_OR_RETURN(ProjectView project, projects_.Get(webhook_caller, project_id));
  if (!project.has_webhook_secret) {
    return Status::PermissionDenied("this project takes no webhooks: set its webhookSecret first");
  }
  LIBSYNC_ASSIGN_OR_RETURN(const std::string secret, projects_.RevealWebhookSecret(project_id));
  LIBSYNC_RETURN_IF_ERROR(CheckSignature(delivery, secret));

  // Remembered only once signed: an unsigned flood cannot fill the memory or block ids.
  if (!delivery.delivery_id.empty() && SeenBefore(project_id, delivery.delivery_id)) {
    return Ignored("delivery " + std::string(delivery.delivery_id) + " was received before");
  }
  if (delivery.event == "ping") return Ignored("ping");
  if (!IsPush(delivery.event)) return Ignored("event '" + std::string(delivery.event) + "' is not a push");
  LIBSYNC_ASSIGN_OR_RETURN(const std::string ref, pushed_ref(delivery.body));
  if (ref != "refs/heads/" + project.branch) {
    // The ref as hosts send it (refs/heads/<branch>, refs/tags/<tag>), and the project's
    // branch in the same form, so "main" and "refs/heads/main" never read as one.
    return Ignored("a push to '" + ref + "', not to the project's branch ('refs/heads/" + project.branch + "')");
  }
  const GitSyncScheduler::Outcome outcome = scheduler_.RequestImport(project_id);
  return WebhookAnswer{true, outcome, outcome == GitSyncScheduler::Outcome::kStarted ? "started" : "coalesced"};
}

bool GitWebhookService::SeenBefore(std::string_view project_id, std::string_view id) {
  const Timestamp now = ctx_.clock.Now();
  // A digest, not the id: the header's length is the sender's to choose.
  std::string key = Sha256Hex(std::string(project_id) + '\n' + std::string(id));
  MutexLock lock(deliveries_mutex_);
  // Forget what is past the window, and the oldest beyond the cap.
  while (!delivery_order_.empty()) {
    auto oldest = deliveries_.find(delivery_order_.front());
    const bool expired = oldest == deliveries_.end() || now - oldest->second > options_.delivery_memory;
    if (!expired && delivery_order_.size() < options_.max_remembered_deliveries) break;
    if (oldest != deliveries_.end()) deliveries_.erase(oldest);
    delivery_order_.pop_front();
  }
  if (deliveries_.count(key)) return true;
  deliveries_.emplace(key, now);
  delivery_order_.push_back(std::move(key));
  return false;
}

}  // namespace libsync
