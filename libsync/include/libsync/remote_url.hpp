#pragma once
// How a project's repoUrl is reached, decided in one place for the core's checks (local
// remotes, tokens over plain http) and for the git adapter that opens it, so the two can
// never read a URL differently; and the form a URL may take in a message.

#include <string>
#include <string_view>

namespace libsync {

enum class RemoteKind {
  kLocal,      ///< a path or file:// URL on this machine's disk
  kPlainHttp,  ///< http://: anything sent, a token included, crosses the network in clear
  kNetwork,    ///< https://, ssh://, git://, scp-like user@host:path
};

/// As libgit2 1.5 decides (transport.c): a file:// prefix in any case is local; a known
/// scheme is its transport; anything else with a ':' is SSH in scp form; only what is
/// left is a path on this machine.
RemoteKind KindOfRemote(std::string_view url);

/// The path a local remote names (file:// removed), or empty for any other kind.
std::string LocalRemotePath(std::string_view url);

/// The secret in a URL's user info, or empty: what no reader and no message may see. The
/// password of scheme://user:password@host (or of scp-like user:password@host:path); over
/// http(s), a user name given alone or with an empty password (https://<token>@host, a
/// common way to give a token), or all of a user info whose user name holds an '@'.
std::string_view RemoteUrlSecret(std::string_view url);

/// Whether a network URL (scheme://, not file://) holds a '?' or '#' anywhere: no git
/// remote needs a query or fragment, and a token given there (?access_token=...) would be
/// shown to every reader of the project, since only the user info is a URL's secret; in a
/// password, libgit2 would end the host there and send it to another host than the one
/// shown. (A password writes them %3F and %23.)
bool RemoteUrlHasQueryOrFragment(std::string_view url);

/// Whether a network URL (scheme://) holds an '@' after the '/' that ends its host: a
/// password holding a raw '/' (https://u:pa/ss@host/x.git), which would be read as part
/// of the host and path, and shown and stored in the clear. (A password writes it %2F.)
bool RemoteUrlHasAtAfterItsHost(std::string_view url);

/// Why libgit2 would not read a network `url` (scheme:// or scp-like) as the remote it
/// names, or would read another host than the one shown; empty when it reads it as shown,
/// and for a path on the server's disk (checked when a sync opens it). Covers: a scheme
/// libgit2 does not take, whitespace or control characters, a second '@' before the path,
/// a missing host, a port that is no number from 1 to 65535, an unclosed IPv6 literal, and
/// an scp-like URL with a password (libgit2 takes the text before its first ':' for the
/// host, so `h:pw@other:x.git` would go to `h`).
std::string RemoteUrlSyntaxProblem(std::string_view url);

/// `url` with its secret (RemoteUrlSecret), if it has one, replaced by `secret`.
std::string WithRemoteUrlSecret(std::string_view url, std::string_view secret);

/// What stands in a URL's secret's place wherever it is shown (RedactRemoteUrl), and in a
/// stored repoUrl whose secret is sealed apart: a URL whose secret reads so carries none.
inline constexpr std::string_view kRedactedRemoteUrlSecret = "***";

/// `url` with its secret, if any, replaced by kRedactedRemoteUrlSecret: for messages, logs
/// and every reader of the project.
std::string RedactRemoteUrl(std::string_view url);

/// `url` without its user info: the place it names, whatever credentials reach it (a
/// rotated password is the same remote).
std::string RemoteUrlWithoutUserInfo(std::string_view url);

}  // namespace libsync
