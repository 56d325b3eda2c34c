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
/// password of scheme://user:password@host; over http(s), a user name given alone
/// (https://<token>@host, a common way to give a token).
std::string_view RemoteUrlSecret(std::string_view url);

/// Whether a network URL (scheme://, not file://) carries a query or fragment ('?', '#'):
/// no git remote needs one, and a token given there (?access_token=...) would be shown to
/// every reader of the project, since only the user info is a URL's secret.
bool RemoteUrlHasQueryOrFragment(std::string_view url);

/// `url` with its secret, if any, replaced by "***": for messages, logs and every reader
/// of the project.
std::string RedactRemoteUrl(std::string_view url);

/// `url` without its user info: the place it names, whatever credentials reach it (a
/// rotated password is the same remote).
std::string RemoteUrlWithoutUserInfo(std::string_view url);

}  // namespace libsync
