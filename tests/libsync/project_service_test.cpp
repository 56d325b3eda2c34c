#include "libsync/project_service.hpp"

#include "libsync/remote_url.hpp"
#include "service_fixture.hpp"

namespace libsync {
namespace {

class ProjectServiceTest : public ServiceTest {};

TEST_F(ProjectServiceTest, CreatesWithDefaultsAndNeverShowsTheToken) {
  EXPECT_EQ(project_.name, "web");
  EXPECT_EQ(project_.branch, "main");
  EXPECT_EQ(project_.docs_path, "docs");
  EXPECT_TRUE(project_.has_token);
  EXPECT_EQ(project_.created_at, clock_.Now());
  auto got = sync_.projects().Get(admin_, project_.id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->repo_url, "https://example.com/web.git");
}

// A password in the repoUrl is a credential like the token: no reader sees it, and a form
// that sends back the URL it was shown keeps the stored one.
TEST_F(ProjectServiceTest, APasswordInTheRepoUrlIsShownToNoOne) {
  const std::string url = "https://ci:ghp_inurl@github.com/acme/web.git";
  auto created = sync_.projects().Create(admin_, {.name = "with-password", .repo_url = url});
  ASSERT_TRUE(created.has_value()) << created.error();
  EXPECT_EQ(created->repo_url, "https://ci:***@github.com/acme/web.git");
  auto key = sync_.keys().Create(admin_, created->id, "laptop", KeyScope::kRead);
  const Caller reader = sync_.keys().Authenticate(key->plain_key).value();
  EXPECT_EQ(sync_.projects().Get(reader, created->id)->repo_url, "https://ci:***@github.com/acme/web.git");
  for (const ProjectView& p : sync_.projects().List(admin_).value()) {
    EXPECT_EQ(p.repo_url.find("ghp_inurl"), std::string::npos) << p.repo_url;
  }
  const auto stored = [&] {
    Project p;
    EXPECT_TRUE(store_.Transact(TxMode::kRead, [&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(p, tx.GetProject(created->id));
      return Status::Ok();
    }).ok());
    return p;
  };
  // Stored as shown, the password sealed apart; git gets it back.
  EXPECT_EQ(stored().repo_url, "https://ci:***@github.com/acme/web.git");
  EXPECT_EQ(stored().repo_url_secret.rfind("v1:k1:", 0), 0u) << stored().repo_url_secret;
  EXPECT_EQ(stored().repo_url_secret.find("ghp_inurl"), std::string::npos);
  EXPECT_EQ(sync_.projects().RevealRepoUrl(created->id).value(), url);

  auto same = sync_.projects().Update(admin_, created->id, {.name = "renamed", .repo_url = created->repo_url});
  ASSERT_TRUE(same.has_value()) << same.error();
  EXPECT_EQ(sync_.projects().RevealRepoUrl(created->id).value(), url) << "the URL as shown keeps the stored one";
  const std::string other = "https://ci:ghp_new@github.com/acme/web.git";
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = other}).has_value());
  EXPECT_EQ(sync_.projects().RevealRepoUrl(created->id).value(), other);
  EXPECT_EQ(stored().repo_url.find("ghp_new"), std::string::npos);
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = "https://github.com/acme/web.git"}).has_value());
  EXPECT_EQ(stored().repo_url_secret, "") << "a URL without a secret keeps none";
  EXPECT_EQ(sync_.projects().RevealRepoUrl(created->id).value(), "https://github.com/acme/web.git");
}

// Projects stored before repoUrl secrets were sealed apart hold them in the URL: the pass
// run at start seals each once, and leaves URLs without a secret as they are; an update
// seals such a URL too.
TEST_F(ProjectServiceTest, RepoUrlSecretsStoredInTheClearAreSealedOnce) {
  const auto insert_as_before = [&](const std::string& id, const std::string& url) {
    Project p;
    p.id = id;
    p.name = id;
    p.repo_url = url;
    p.created_at = p.updated_at = clock_.Now();
    ASSERT_TRUE(store_.Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.InsertProject(p); }).ok());
  };
  const auto stored = [&](const std::string& id) {
    Project p;
    EXPECT_TRUE(store_.Transact(TxMode::kRead, [&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(p, tx.GetProject(id));
      return Status::Ok();
    }).ok());
    return p;
  };
  insert_as_before("old-password", "https://ci:hunter2@host/a.git");
  insert_as_before("old-token", "https://ghp_oldtok@host/b.git");
  insert_as_before("old-plain", "https://host/c.git");
  insert_as_before("old-renamed", "https://ci:renamed-pw@host/d.git");
  // Until the pass below seals them, readers see them as they will be stored.
  EXPECT_EQ(sync_.projects().Get(admin_, "old-password")->repo_url, "https://ci:***@host/a.git");
  EXPECT_EQ(sync_.projects().Get(admin_, "old-token")->repo_url, "https://***@host/b.git");

  ASSERT_TRUE(sync_.projects().Update(admin_, "old-renamed", {.name = "renamed"}).has_value());
  EXPECT_EQ(stored("old-renamed").repo_url, "https://ci:***@host/d.git");
  EXPECT_EQ(sync_.projects().SealRepoUrlSecrets().value(), 2u);
  EXPECT_EQ(sync_.projects().SealRepoUrlSecrets().value(), 0u) << "each is sealed once";
  EXPECT_EQ(stored("old-password").repo_url, "https://ci:***@host/a.git");
  EXPECT_EQ(stored("old-token").repo_url, "https://***@host/b.git");
  EXPECT_EQ(stored("old-plain").repo_url, "https://host/c.git");
  EXPECT_EQ(stored("old-plain").repo_url_secret, "");
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-password").value(), "https://ci:hunter2@host/a.git");
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-token").value(), "https://ghp_oldtok@host/b.git");
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-plain").value(), "https://host/c.git");
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-renamed").value(), "https://ci:renamed-pw@host/d.git");
  // A server of an older build still running on the database writes a new URL with its
  // password in the clear, leaving the sealed one beside it: the URL's own is used, and
  // sealed by the next pass.
  Project rewritten = stored("old-token");
  rewritten.repo_url = "https://ci:newer-pw@host/a2.git";
  ASSERT_TRUE(store_.Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.UpdateProject(rewritten); }).ok());
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-token").value(), "https://ci:newer-pw@host/a2.git");
  EXPECT_EQ(sync_.projects().SealRepoUrlSecrets().value(), 1u);
  EXPECT_EQ(stored("old-token").repo_url, "https://ci:***@host/a2.git");
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-token").value(), "https://ci:newer-pw@host/a2.git");
  // Or a URL without a secret: the sealed one left beside it is not put anywhere.
  rewritten = stored("old-token");
  rewritten.repo_url = "https://host/a3.git";
  ASSERT_TRUE(store_.Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.UpdateProject(rewritten); }).ok());
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-token").value(), "https://host/a3.git");

  // Sealed for its own project: copied into another's row, it does not open.
  Project other = stored("old-plain");
  other.repo_url = stored("old-password").repo_url;
  other.repo_url_secret = stored("old-password").repo_url_secret;
  ASSERT_TRUE(store_.Transact(TxMode::kWrite, [&](Transaction& tx) { return tx.UpdateProject(other); }).ok());
  EXPECT_EQ(sync_.projects().RevealRepoUrl("old-plain").error().code(), ErrorCode::kInvalidArgument);
}

// A token put in a URL's query would be shown to every reader, as only the user info is
// hidden: such a URL is refused where it is given, and nothing changes.
TEST_F(ProjectServiceTest, ARepoUrlWithAQueryOrFragmentIsRefusedWhereItIsGiven) {
  const std::size_t projects = sync_.projects().List(admin_)->size();
  for (const char* url : {"https://github.com/acme/web.git?access_token=ghp_x", "https://github.com/acme/web.git#x"}) {
    auto created = sync_.projects().Create(admin_, {.name = "q", .repo_url = url});
    ASSERT_FALSE(created.has_value()) << url;
    EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(created.error().message().find("token field"), std::string::npos) << created.error().message();
    auto updated = sync_.projects().Update(admin_, project_.id, {.name = "renamed", .repo_url = url});
    ASSERT_FALSE(updated.has_value()) << url;
    EXPECT_EQ(updated.error().code(), ErrorCode::kInvalidArgument);
  }
  // A password holding a raw '/' would be read as the host and path, and shown.
  auto slash = sync_.projects().Create(admin_, {.name = "s", .repo_url = "https://u:pa/ss@host/r.git"});
  ASSERT_FALSE(slash.has_value());
  EXPECT_NE(slash.error().message().find("%2F"), std::string::npos) << slash.error().message();
  // A URL git would not read as shown (RemoteUrlSyntaxProblem) is refused on create and update.
  for (const char* url : {"ftp://example.com/x.git", "127.0.0.1:pw@example.com:x.git"}) {
    auto created = sync_.projects().Create(admin_, {.name = "u", .repo_url = url});
    ASSERT_FALSE(created.has_value()) << url;
    EXPECT_EQ(created.error().message(), RemoteUrlSyntaxProblem(url));
    auto updated = sync_.projects().Update(admin_, project_.id, {.repo_url = url});
    ASSERT_FALSE(updated.has_value()) << url;
    EXPECT_EQ(updated.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(sync_.projects().List(admin_)->size(), projects);
  const ProjectView kept = *sync_.projects().Get(admin_, project_.id);
  EXPECT_EQ(kept.name, "web");
  EXPECT_EQ(kept.repo_url, "https://example.com/web.git");
}

// New credentials for the same remote leave the project synced with it; another remote,
// branch or docsPath does not. A URL edited around the "***" it was shown is refused.
TEST_F(ProjectServiceTest, OnlyAnotherPlaceUnsyncsTheProject) {
  auto created = sync_.projects().Create(admin_, {.name = "p", .repo_url = "https://ci:old@host/r.git"});
  ASSERT_TRUE(created.has_value());
  const auto mark_synced = [&] {
    ASSERT_TRUE(store_.Transact(TxMode::kWrite, [&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject(created->id));
      p.last_synced_commit = std::string(40, 'a');
      return tx.UpdateProject(p);
    }).ok());
  };
  const auto synced = [&] { return !sync_.projects().Get(admin_, created->id)->last_synced_commit.empty(); };
  mark_synced();
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = "https://ci:new@host/r.git"}).has_value());
  EXPECT_TRUE(synced()) << "a rotated password is the same remote";
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = "https://host/r.git"}).has_value());
  EXPECT_TRUE(synced());
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = "https://host/other.git"}).has_value());
  EXPECT_FALSE(synced());
  mark_synced();
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.branch = "release"}).has_value());
  EXPECT_FALSE(synced());

  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = "https://ci:pw@host/r.git"}).has_value());
  auto edited = sync_.projects().Update(admin_, created->id, {.repo_url = "https://ci:***@host/renamed.git"});
  ASSERT_FALSE(edited.has_value());
  EXPECT_EQ(edited.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.projects().Get(admin_, created->id)->repo_url, "https://ci:***@host/r.git");
  // A token given as the user name is hidden as a password is.
  ASSERT_TRUE(sync_.projects().Update(admin_, created->id, {.repo_url = "https://ghp_tok@host/r.git"}).has_value());
  EXPECT_EQ(sync_.projects().Get(admin_, created->id)->repo_url, "https://***@host/r.git");
}

TEST_F(ProjectServiceTest, StoresTheTokenOnlySealedAndRevealsItForGit) {
  Project stored;
  ASSERT_TRUE(store_.Transact(TxMode::kRead, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(stored, tx.GetProject(project_.id));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(stored.token.find("ghp_secret"), std::string::npos);
  EXPECT_EQ(stored.token.rfind("v1:k1:", 0), 0u);
  EXPECT_EQ(sync_.projects().RevealToken(project_.id).value(), "ghp_secret");
}

TEST_F(ProjectServiceTest, UpdateKeepsUnsetFieldsAndReplacesTheToken) {
  clock_.Advance(std::chrono::seconds(5));
  auto updated = sync_.projects().Update(admin_, project_.id,
                                         {.token = "ghp_new", .branch = "develop", .docs_path = "ai/"});
  ASSERT_TRUE(updated.has_value()) << updated.error();
  EXPECT_EQ(updated->name, "web");
  EXPECT_EQ(updated->branch, "develop");
  EXPECT_EQ(updated->docs_path, "ai");
  EXPECT_EQ(updated->updated_at, clock_.Now());
  EXPECT_EQ(sync_.projects().RevealToken(project_.id).value(), "ghp_new");
}

TEST_F(ProjectServiceTest, EmptyTokenMeansNone) {
  auto p = sync_.projects().Create(admin_, {.name = "local", .repo_url = "/srv/git/docs.git"});
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->has_token);
  EXPECT_EQ(sync_.projects().RevealToken(p->id).value(), "");
}

TEST_F(ProjectServiceTest, RejectsInvalidFieldsAndStoresNothing) {
  const std::vector<NewProject> bad = {
      {.name = "", .repo_url = "x"},
      {.name = "n", .repo_url = ""},
      {.name = "n", .repo_url = "x", .branch = "bad branch"},
      {.name = "n", .repo_url = "x", .docs_path = "../etc"},
      {.name = "n\x01", .repo_url = "x"},
      {.name = std::string(201, 'n'), .repo_url = "x"},
      {.name = "n", .repo_url = "x", .token = std::string(5000, 't')},
  };
  for (const auto& input : bad) {
    auto p = sync_.projects().Create(admin_, input);
    ASSERT_FALSE(p.has_value()) << input.name;
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(sync_.projects().List(admin_)->size(), 1u);
}

TEST_F(ProjectServiceTest, OnlyTheAdminManagesProjects) {
  Caller key = KeyCaller(project_.id, KeyScope::kWrite);
  EXPECT_EQ(sync_.projects().Create(key, {.name = "x", .repo_url = "y"}).error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.projects().Update(key, project_.id, {.name = "z"}).error().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.projects().Delete(key, project_.id).code(), ErrorCode::kPermissionDenied);
  // A key sees its own project, and only that one.
  ProjectView other = CreateProject("other");
  auto listed = sync_.projects().List(key);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, project_.id);
  EXPECT_EQ(sync_.projects().Get(key, other.id).error().code(), ErrorCode::kNotFound);
}

TEST_F(ProjectServiceTest, DeleteRemovesDocsAndKeys) {
  auto created = sync_.keys().Create(admin_, project_.id, "laptop", KeyScope::kRead);
  ASSERT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", "x").has_value());
  ASSERT_TRUE(sync_.projects().Delete(admin_, project_.id).ok());
  EXPECT_EQ(sync_.projects().Get(admin_, project_.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.keys().Authenticate(created->plain_key).error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(sync_.projects().Delete(admin_, project_.id).code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace libsync
