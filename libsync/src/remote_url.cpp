#include "libsync/remote_url.hpp"

#include <strings.h>

namespace libsync {
namespace {

bool StartsWithIgnoringCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

RemoteKind KindOfRemote(std::string_view url) {
  if (StartsWithIgnoringCase(url, "file://")) return RemoteKind::kLocal;
  if (StartsWithIgnoringCase(url, "http://")) return RemoteKind::kPlainHttp;
  if (url.find(':') != std::string_view::npos) return RemoteKind::kNetwork;
  return RemoteKind::kLocal;
}

std::string LocalRemotePath(std::string_view url) {
  if (KindOfRemote(url) != RemoteKind::kLocal) return {};
  return std::string(StartsWithIgnoringCase(url, "file://") ? url.substr(7) : url);
}

namespace {

/// The user info of a scheme://userinfo@host URL, or of an scp-like user@host:path one
/// (views into `url`), or empty. The last '@' before the first '/' ends it: a password may
/// hold '@' and ':'.
std::string_view UserInfo(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos && KindOfRemote(url) != RemoteKind::kNetwork) return {};
  const std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const auto at = authority.rfind('@');
  return at == std::string_view::npos ? std::string_view() : authority.substr(0, at);
}

/// `url` with `part`, a view into it, replaced by `with`.
std::string Replaced(std::string_view url, std::string_view part, std::string_view with) {
  const auto at = static_cast<std::size_t>(part.data() - url.data());
  return std::string(url.substr(0, at)).append(with).append(url.substr(at + part.size()));
}

}  // namespace

std::string_view RemoteUrlSecret(std::string_view url) {
  const std::string_view userinfo = UserInfo(url);
  const auto colon = userinfo.find(':');
  const std::string_view user = userinfo.substr(0, colon);
  const std::string_view password = colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
  // https://<token>@github.com/…: over http(s) a user name given alone (or with an empty
  // password, "<token>:") is how a token is often given, and one holding an '@' is no plain
  // account name either; then all of it is the secret. ssh's git@ is an account name, and
  // stays.
  const bool http = StartsWithIgnoringCase(url, "http://") || StartsWithIgnoringCase(url, "https://");
  if (http && password.empty()) return user;
  if (http && user.find('@') != std::string_view::npos) return userinfo;
  return password;
}

bool RemoteUrlHasQueryOrFragment(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos || KindOfRemote(url) == RemoteKind::kLocal) return false;
  // Anywhere, a password included: libgit2 ends the host at the first '?' or '#', so
  // https://u:pw@a?@b/x.git, shown as going to b, would send the password to a.
  return url.find_first_of("?#", scheme + 3) != std::string_view::npos;
}

bool RemoteUrlHasAtAfterItsHost(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos || KindOfRemote(url) == RemoteKind::kLocal) return false;
  const auto path = url.find('/', scheme + 3);
  return path != std::string_view::npos && url.find('@', path) != std::string_view::npos;
}

std::string WithRemoteUrlSecret(std::string_view url, std::string_view secret) {
  const std::string_view current = RemoteUrlSecret(url);
  return current.empty() ? std::string(url) : Replaced(url, current, secret);
}

std::string RedactRemoteUrl(std::string_view url) {
  return WithRemoteUrlSecret(url, kRedactedRemoteUrlSecret);
}

std::string RemoteUrlWithoutUserInfo(std::string_view url) {
  const std::string_view userinfo = UserInfo(url);
  // The user info and the '@' after it.
  return userinfo.empty() ? std::string(url) : Replaced(url, {userinfo.data(), userinfo.size() + 1}, "");
}

}  // namespace libsync
