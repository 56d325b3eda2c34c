#pragma once
// GitWebhookService: push webhooks from GitHub, GitLab and Gitea/Forgejo, checked against
// the project's webhook secret, turned into background imports (GitSyncScheduler).

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "libsync/function_ref.hpp"
#include "libsync/git_sync_scheduler.hpp"
#include "libsync/project_service.hpp"
#include "libsync/service_context.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

struct GitWebhookOptions {
  /// Larger deliveries are refused (kTooLarge) before anything else is looked at. A push
  /// event names at most 20 commits; 1 MiB leaves room for their file lists.
  std::size_t max_body_bytes = 1024 * 1024;
  /// How long, and how many, delivery ids are remembered: a delivery seen again with the
  /// same id within that is acknowledged and does nothing. The signature covers the body,
  /// not the id header, so a captured delivery sent again under a new id does run an
  /// import (coalesced with any running; docs/security.md). Each id is kept as a digest of
  /// fixed size, so the memory they take is bounded by the count, whatever ids are sent.
  std::chrono::seconds delivery_memory = std::chrono::hours(24);
  std::size_t max_remembered_deliveries = 10000;
};

/// What a webhook request carries, as the transport read it: each empty when absent.
struct WebhookDelivery {
  std::string_view github_signature;  ///< X-Hub-Signature-256: "sha256=<hex HMAC-SHA256 of the body>"
  std::string_view gitea_signature;   ///< X-Gitea-Signature (Forgejo sends it too): "<hex HMAC-SHA256>"
  std::string_view gitlab_token;      ///< X-Gitlab-Token: the secret itself
  std::string_view event;             ///< X-GitHub-Event / X-Gitea-Event ("push", "ping"), X-Gitlab-Event ("Push Hook")
  std::string_view delivery_id;       ///< X-GitHub-Delivery / X-Gitea-Delivery / X-Gitlab-Event-UUID
  std::string_view body;
};

/// What a delivery led to.
struct WebhookAnswer {
  /// An import was asked of the scheduler (HTTP 202); otherwise the delivery was
  /// acknowledged and did nothing (200): a ping, another event, another branch, a replay.
  bool import_requested = false;
  GitSyncScheduler::Outcome outcome = GitSyncScheduler::Outcome::kStarted;  ///< when requested
  std::string detail;  ///< why nothing was done, or "started" / "coalesced"
};

/// Thread-safe.
class GitWebhookService {
 public:
  /// The services and the scheduler must outlive this one.
  GitWebhookService(const ServiceContext& ctx, ProjectService& projects, GitSyncScheduler& scheduler,
                    GitWebhookOptions options = {})
      : ctx_(ctx), projects_(projects), scheduler_(scheduler), options_(options) {}

  /// Checks, in this order: the body size (kTooLarge); the project (kNotFound) and that it
  /// has a webhook secret (kPermissionDenied); the signature, in constant time
  /// (kUnauthenticated when it is missing or wrong); then, for a delivery id seen before,
  /// nothing more. Only a signed push event reads the body: `pushed_ref` parses it and
  /// returns its "ref" (kInvalidArgument if it cannot); a push to the project's branch
  /// asks the scheduler for an import.
  Result<WebhookAnswer> Receive(std::string_view project_id, const WebhookDelivery& delivery,
                                FunctionRef<Result<std::string>(std::string_view body)> pushed_ref);

 private:
  /// Whether `id` was seen within the memory window; remembers it if not.
  bool SeenBefore(std::string_view project_id, std::string_view id);

  const ServiceContext& ctx_;
  ProjectService& projects_;
  GitSyncScheduler& scheduler_;
  const GitWebhookOptions options_;
  Mutex deliveries_mutex_;
  /// Project id + delivery id -> when it arrived, and the same keys oldest first.
  std::unordered_map<std::string, Timestamp> deliveries_ LIBSYNC_GUARDED_BY(deliveries_mutex_);
  std::deque<std::string> delivery_order_ LIBSYNC_GUARDED_BY(deliveries_mutex_);
};

}  // namespace libsync
