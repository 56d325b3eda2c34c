// Push webhooks against real git repositories: signed deliveries from GitHub, GitLab and
// Gitea start a background import; anything unsigned, replayed or beside the point does not.

#include "libsync/git_webhook_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../sql/temp_dir.hpp"
#include "git_service_fixture.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_sync_scheduler.hpp"
#include "libsync/hashing.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {
namespace {

const std::string kSecret = "webhook-secret-0123456789";

class GitWebhookTest : public GitServiceTest {
 protected:
  void SetUp() override {
    GitServiceTest::SetUp();
    repos_->Write("docs/a.md", "A\n");
    repos_->CommitAndPush("docs");
    scheduler_ = std::make_unique<GitSyncScheduler>(*git_sync_);
    webhooks_ = std::make_unique<GitWebhookService>(sync_.context(), sync_.projects(), *scheduler_);
    project_ = sync_.projects()
                   .Create(admin_, {.name = "web", .repo_url = repos_->bare(), .webhook_secret = kSecret})
                   ->id;
    ASSERT_TRUE(git_sync_->Import(admin_, project_, {}).has_value());
    counting_->transfers = 0;
  }

  /// A push of `path` with `content` to the repository's main branch, as its host would
  /// announce it: the body every provider sends has the ref at the top.
  std::string PushChange(const std::string& path, const std::string& content, const std::string& branch = "main") {
    repos_->Write(path, content);
    repos_->CommitAndPush("change");
    return R"({"ref":"refs/heads/)" + branch + R"(","before":"0","after":"1","commits":[]})";
  }

  Result<WebhookAnswer> Deliver(const WebhookDelivery& d) {
    const auto ref_of = [](std::string_view body) -> Result<std::string> {
      const auto at = body.find(R"("ref":")");
      if (at == std::string_view::npos) return Status::InvalidArgument("no ref");
      const auto start = at + 7;
      return std::string(body.substr(start, body.find('"', start) - start));
    };
    return webhooks_->Receive(project_, d, ref_of);
  }
  static WebhookDelivery GitHub(const std::string& body, const std::string& secret = kSecret,
                                std::string_view event = "push", std::string_view id = "") {
    static thread_local std::string signature;
    signature = "sha256=" + HmacSha256Hex(secret, body);
    return WebhookDelivery{signature, {}, {}, event, id, body};
  }
  std::string Content(const std::string& name) { return sync_.docs().Get(admin_, project_, name)->content; }

  std::unique_ptr<GitSyncScheduler> scheduler_;
  std::unique_ptr<GitWebhookService> webhooks_;
};

TEST_F(GitWebhookTest, ASignedGitHubPushImportsTheChange) {
  const std::string body = PushChange("docs/a.md", "A, pushed\n");
  auto answer = Deliver(GitHub(body));
  ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
  EXPECT_TRUE(answer->import_requested);
  EXPECT_EQ(answer->outcome, GitSyncScheduler::Outcome::kStarted);
  scheduler_->WaitIdle();
  EXPECT_EQ(Content("a.md"), "A, pushed\n");
  EXPECT_EQ(scheduler_->imports_run(), 1u);
}

TEST_F(GitWebhookTest, ABadOrMissingSignatureIsRefusedAndImportsNothing) {
  const std::string body = PushChange("docs/a.md", "A, pushed\n");
  auto forged = Deliver(GitHub(body, "another-secret-0123456789"));
  ASSERT_FALSE(forged.has_value());
  EXPECT_EQ(forged.error().code(), ErrorCode::kUnauthenticated);
  WebhookDelivery tampered = GitHub(body);
  const std::string other_body = R"({"ref":"refs/heads/main","x":1})";
  tampered.body = other_body;  // signed for another body
  EXPECT_EQ(Deliver(tampered).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Deliver(WebhookDelivery{"sha256=", {}, {}, "push", {}, body}).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Deliver(WebhookDelivery{{}, {}, {}, "push", {}, body}).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(Deliver(WebhookDelivery{{}, {}, "webhook-secret-012345678", "Push Hook", {}, body}).error().code(),
            ErrorCode::kUnauthenticated);
  scheduler_->WaitIdle();
  EXPECT_EQ(scheduler_->imports_run(), 0u);
  EXPECT_EQ(counting_->transfers.load(), 0) << "nothing reached the remote";
  EXPECT_EQ(Content("a.md"), "A\n");
}

TEST_F(GitWebhookTest, GitLabAndGiteaDeliveriesImportToo) {
  const std::string first = PushChange("docs/a.md", "A, from GitLab\n");
  auto gitlab = Deliver(WebhookDelivery{{}, {}, kSecret, "Push Hook", "uuid-1", first});
  ASSERT_TRUE(gitlab.has_value()) << gitlab.error().ToString();
  EXPECT_TRUE(gitlab->import_requested);
  scheduler_->WaitIdle();
  EXPECT_EQ(Content("a.md"), "A, from GitLab\n");

  const std::string second = PushChange("docs/a.md", "A, from Gitea\n");
  const std::string signature = HmacSha256Hex(kSecret, second);
  auto gitea = Deliver(WebhookDelivery{{}, signature, {}, "push", "gitea-1", second});
  ASSERT_TRUE(gitea.has_value()) << gitea.error().ToString();
  EXPECT_TRUE(gitea->import_requested);
  scheduler_->WaitIdle();
  EXPECT_EQ(Content("a.md"), "A, from Gitea\n");
}

TEST_F(GitWebhookTest, ABurstOfPushesRunsAtMostTwoImports) {
  // Each fetch takes a while, as over a network: the burst arrives while the first runs.
  counting_->during_fetch = [] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); };
  std::string body;
  for (int i = 0; i < 20; ++i) body = PushChange("docs/a.md", "A, push " + std::to_string(i) + "\n");
  for (int i = 0; i < 20; ++i) {
    auto answer = Deliver(GitHub(body, kSecret, "push", "burst-" + std::to_string(i)));
    ASSERT_TRUE(answer.has_value()) << answer.error().ToString();
    EXPECT_TRUE(answer->import_requested);
    EXPECT_EQ(answer->outcome, i == 0 ? GitSyncScheduler::Outcome::kStarted : GitSyncScheduler::Outcome::kCoalesced);
  }
  scheduler_->WaitIdle();
  EXPECT_LE(scheduler_->imports_run(), 2u);
  EXPECT_LE(counting_->transfers.load(), 2);
  EXPECT_EQ(Content("a.md"), "A, push 19\n") << "the last push is in";
}

TEST_F(GitWebhookTest, PingsOtherEventsOtherBranchesAndReplaysDoNothing) {
  const std::string body = PushChange("docs/a.md", "A, pushed\n");
  auto ping = Deliver(GitHub(R"({"zen":"hi"})", kSecret, "ping"));
  ASSERT_TRUE(ping.has_value());
  EXPECT_FALSE(ping->import_requested);
  auto issue = Deliver(GitHub(body, kSecret, "issues"));
  ASSERT_TRUE(issue.has_value());
  EXPECT_FALSE(issue->import_requested);
  auto other = Deliver(GitHub(R"({"ref":"refs/heads/feature"})"));
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->import_requested);
  EXPECT_NE(other->detail.find("refs/heads/feature"), std::string::npos) << other->detail;
  auto tag = Deliver(GitHub(R"({"ref":"refs/tags/main"})"));
  ASSERT_TRUE(tag.has_value());
  EXPECT_FALSE(tag->import_requested);
  // A ref that is a bare branch name is no push to that branch, and the answer says what
  // was expected in the form the hosts send it.
  auto bare = Deliver(GitHub(R"({"ref":"main"})"));
  ASSERT_TRUE(bare.has_value());
  EXPECT_FALSE(bare->import_requested);
  EXPECT_EQ(bare->detail, "a push to 'main', not to the project's branch ('refs/heads/main')");
  scheduler_->WaitIdle();
  EXPECT_EQ(scheduler_->imports_run(), 0u);

  auto first = Deliver(GitHub(body, kSecret, "push", "delivery-1"));
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->import_requested);
  scheduler_->WaitIdle();
  auto replayed = Deliver(GitHub(body, kSecret, "push", "delivery-1"));
  ASSERT_TRUE(replayed.has_value());
  EXPECT_FALSE(replayed->import_requested) << "a delivery id is remembered";
  scheduler_->WaitIdle();
  EXPECT_EQ(scheduler_->imports_run(), 1u);
}

TEST_F(GitWebhookTest, AProjectWithoutASecretRefusesAndLimitsHold) {
  auto bare = sync_.projects().Create(admin_, {.name = "plain", .repo_url = repos_->bare()});
  ASSERT_TRUE(bare.has_value());
  const std::string body = R"({"ref":"refs/heads/main"})";
  const auto ref_of = [](std::string_view) -> Result<std::string> { return std::string("refs/heads/main"); };
  auto refused = webhooks_->Receive(bare->id, GitHub(body), ref_of);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(webhooks_->Receive("no-such-project", GitHub(body), ref_of).error().code(), ErrorCode::kNotFound);

  const std::string huge(1024 * 1024 + 1, ' ');
  EXPECT_EQ(Deliver(GitHub(huge)).error().code(), ErrorCode::kTooLarge);
  EXPECT_EQ(Deliver(GitHub(R"({"no":"ref"})")).error().code(), ErrorCode::kInvalidArgument);

  // The secret is write-only, and removing it turns webhooks off.
  auto view = sync_.projects().Get(admin_, project_);
  EXPECT_TRUE(view->has_webhook_secret);
  EXPECT_EQ(sync_.projects().Update(admin_, project_, {.webhook_secret = "short"}).error().code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(sync_.projects().Update(admin_, project_, {.webhook_secret = ""}).has_value());
  EXPECT_EQ(Deliver(GitHub(body)).error().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace libsync::testing
