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

/// The password of a scheme://user:password@host URL, or empty: what messages must hide.
std::string_view RemoteUrlPassword(std::string_view url);

/// `url` with its password, if any, replaced by "***", for messages and logs.
std::string RedactRemoteUrl(std::string_view url);

}  // namespace libsync
