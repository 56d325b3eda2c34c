// How a repoUrl is reached, read as libgit2 1.5 reads it, and how it may appear in messages.

#include "libsync/remote_url.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace libsync {
namespace {

TEST(RemoteUrl, KindFollowsLibgit2) {
  for (const char* local : {"/srv/git/docs.git", "relative/docs", "file:///srv/docs.git", "FILE:///srv/docs.git", "docs"}) {
    EXPECT_EQ(KindOfRemote(local), RemoteKind::kLocal) << local;
  }
  for (const char* plain : {"http://git.example/docs.git", "HTTP://git.example/docs.git"}) {
    EXPECT_EQ(KindOfRemote(plain), RemoteKind::kPlainHttp) << plain;
  }
  for (const char* network : {"https://github.com/acme/docs.git", "ssh://git@host/docs.git", "git@github.com:acme/docs.git",
                              "git://host/docs.git", "C:/repos/docs"}) {
    EXPECT_EQ(KindOfRemote(network), RemoteKind::kNetwork) << network;
  }
}

TEST(RemoteUrl, LocalPathOnlyForLocalRemotes) {
  EXPECT_EQ(LocalRemotePath("file:///srv/docs.git"), "/srv/docs.git");
  EXPECT_EQ(LocalRemotePath("File:///srv/docs.git"), "/srv/docs.git");
  EXPECT_EQ(LocalRemotePath("/srv/docs.git"), "/srv/docs.git");
  EXPECT_EQ(LocalRemotePath("https://host/docs.git"), "");
  EXPECT_EQ(LocalRemotePath("http://host/docs.git"), "");
  EXPECT_EQ(LocalRemotePath("git@host:docs.git"), "");
}

TEST(RemoteUrl, SecretsAreFoundAndHidden) {
  EXPECT_EQ(RemoteUrlSecret("https://lead:s3cret@host/docs.git"), "s3cret");
  EXPECT_EQ(RedactRemoteUrl("https://lead:s3cret@host/docs.git"), "https://lead:***@host/docs.git");
  // The last '@' of the authority ends the user info: a password may hold '@' and ':'.
  EXPECT_EQ(RedactRemoteUrl("https://lead:p@ss:w@host:8443/docs.git"), "https://lead:***@host:8443/docs.git");
  EXPECT_EQ(RedactRemoteUrl("https://:pw@host/docs.git"), "https://:***@host/docs.git");
  // A token given as the user name over http(s) is a secret too; ssh's account name is not.
  EXPECT_EQ(RemoteUrlSecret("https://ghp_abc123@github.com/acme/web.git"), "ghp_abc123");
  EXPECT_EQ(RedactRemoteUrl("HTTPS://ghp_abc123@github.com/acme/web.git"), "HTTPS://***@github.com/acme/web.git");
  // A token with an empty password, or a user name holding an '@': all of it is the secret.
  EXPECT_EQ(RedactRemoteUrl("http://ghp_tok:@host/docs.git"), "http://***:@host/docs.git");
  EXPECT_EQ(RedactRemoteUrl("https://TOK@h:pw@host/docs.git"), "https://***@host/docs.git");
  // The password of an scp-like URL (libgit2 sends its user info as the SSH user name).
  EXPECT_EQ(RedactRemoteUrl("u:s3cret@host:acme/docs.git"), "u:***@host:acme/docs.git");
  EXPECT_EQ(RedactRemoteUrl("file://u:s3cret@localhost/srv/docs.git"), "file://u:***@localhost/srv/docs.git");
  // Nothing secret: unchanged. An '@' in the path is not user info.
  for (const char* url : {"https://host/docs.git", "https://host/a@b.git", "ssh://git@host/docs.git",
                          "git@github.com:acme/docs.git", "git@github.com:acme/a@b.git", "/srv/docs.git"}) {
    EXPECT_EQ(RemoteUrlSecret(url), "") << url;
    EXPECT_EQ(RedactRemoteUrl(url), url);
  }
}

TEST(RemoteUrl, AQueryOrFragmentOfANetworkUrlIsFound) {
  for (const char* url : {"https://github.com/acme/web.git?access_token=ghp_x", "https://host/r.git#main",
                          "http://host/r.git?", "ssh://git@host/r.git?x=1", "HTTPS://lead:pw@host/r.git?t=1"}) {
    EXPECT_TRUE(RemoteUrlHasQueryOrFragment(url)) << url;
  }
  // In a password too: libgit2 would end the host there and send the password elsewhere.
  for (const char* url : {"https://lead:p?ss#w@host/r.git", "https://u:pw@127.0.0.1:1?@127.0.0.9/x.git"}) {
    EXPECT_TRUE(RemoteUrlHasQueryOrFragment(url)) << url;
  }
  // A path on this machine may hold either; a password writes them %3F and %23.
  for (const char* url : {"https://host/r.git", "/srv/repos/a?b#c.git", "file:///srv/a?b.git",
                          "https://lead:p%3Fss%23w@host/r.git", "git@github.com:acme/web.git"}) {
    EXPECT_FALSE(RemoteUrlHasQueryOrFragment(url)) << url;
  }
}

// A password holding a raw '/' is read as the host and the path, and would be shown.
TEST(RemoteUrl, AnAtAfterTheHostOfANetworkUrlIsFound) {
  for (const char* url : {"https://u:pa/ss@host/r.git", "https://host/a@b.git", "ssh://git@host/r@x.git"}) {
    EXPECT_TRUE(RemoteUrlHasAtAfterItsHost(url)) << url;
  }
  for (const char* url : {"https://u:pa%2Fss@host/r.git", "https://u:p@ss@host/r.git", "https://host/r.git",
                          "git@github.com:acme/a@b.git", "/srv/a@b.git", "file:///srv/a@b.git"}) {
    EXPECT_FALSE(RemoteUrlHasAtAfterItsHost(url)) << url;
  }
}

// What libgit2 would not read as the remote shown is refused when the URL is given, not
// reported as an unreachable remote at every sync.
TEST(RemoteUrl, AUrlGitWouldReadOtherwiseThanShownHasItsProblemNamed) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"ftp://example.com/x.git", "scheme 'ftp'"},
      {"git+ssh://git@host/x.git", "scheme 'git+ssh'"},
      {"https://u:p@example.com:99999/x.git", "port"},
      {"https://example.com:/x.git", "port"},
      {"https://[::1]:/x.git", "port"},
      {"https://example.com:8a/x.git", "port"},
      {"https://u:p@[::1/x.git", "IPv6"},
      {"https://u:pass word@host/x.git", "space"},
      {"https://u:PW@SECRET@example.com/x.git", "more than one '@'"},
      {"https://u:p@example.com%2F@evil/x.git", "more than one '@'"},
      {"https:///x.git", "no host"},
      {"127.0.0.1:SECRET@example.com:x.git", "scp-like"},
      {"u:PWSECRET@example.com:x.git", "scp-like"},
  };
  for (const auto& [url, problem] : refused) {
    EXPECT_NE(RemoteUrlSyntaxProblem(url).find(problem), std::string::npos) << url << ": " << RemoteUrlSyntaxProblem(url);
  }
  for (const char* url : {"https://github.com/acme/web.git", "https://ci:tok%40en@host:8443/r.git", "http://host/r.git",
                          "HTTPS://host/r.git", "ssh://git@host:22/r.git", "git://host/r.git", "https://[::1]:8080/r.git",
                          "git@github.com:acme/web.git", "github.com:acme/r@x.git", "/srv/a b.git", "file:///srv/x.git",
                          "relative/repo"}) {
    EXPECT_EQ(RemoteUrlSyntaxProblem(url), "") << url;
  }
}

TEST(RemoteUrl, ThePlaceANamesIsItsUrlWithoutUserInfo) {
  EXPECT_EQ(RemoteUrlWithoutUserInfo("https://ci:old@host/r.git"), "https://host/r.git");
  EXPECT_EQ(RemoteUrlWithoutUserInfo("https://ci:new@host/r.git"), "https://host/r.git");
  EXPECT_EQ(RemoteUrlWithoutUserInfo("https://lead:p@ss@host:8443/r.git"), "https://host:8443/r.git");
  EXPECT_EQ(RemoteUrlWithoutUserInfo("ssh://git@host/r.git"), "ssh://host/r.git");
  EXPECT_EQ(RemoteUrlWithoutUserInfo("git@github.com:acme/r.git"), "github.com:acme/r.git");
  for (const char* url : {"https://host/r.git", "https://host/a@b.git", "github.com:acme/r@x.git", "/srv/r.git"}) {
    EXPECT_EQ(RemoteUrlWithoutUserInfo(url), url);
  }
}

}  // namespace
}  // namespace libsync
