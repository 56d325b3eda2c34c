#include "libsync/remote_url.hpp"

#include <strings.h>

#include <charconv>
#include <optional>

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

std::string RemoteUrlSyntaxProblem(std::string_view url) {
  const RemoteKind kind = KindOfRemote(url);
  if (kind == RemoteKind::kLocal) return {};
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) {
      return "repoUrl holds a space or a control character (write a space in a password as %20)";
    }
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    // scp-like: [user@]host:path.
    const std::string_view userinfo = UserInfo(url);
    if (userinfo.find(':') != std::string_view::npos) {
      return "an scp-like repoUrl (user@host:path) cannot carry a password: git reads the text before its first "
             "':' as the host; use an https:// URL with the token field, or ssh://";
    }
    const std::string_view after_user = userinfo.empty() ? url : url.substr(userinfo.size() + 1);
    if (after_user.empty() || after_user.front() == ':') return "repoUrl names no host";
    return {};
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  bool known = false;
  for (const std::string_view s : {"https", "http", "ssh", "git"}) {
    known = known || (scheme.size() == s.size() && StartsWithIgnoringCase(scheme, s));
  }
  if (!known) {
    return "repoUrl's scheme '" + std::string(scheme) + "' is none git sync takes (https, http, ssh, git)";
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos && authority.substr(0, at).find('@') != std::string_view::npos) {
    return "repoUrl has more than one '@' before its path (write an '@' in a user name or password as %40)";
  }
  const std::string_view host_port = at == std::string_view::npos ? authority : authority.substr(at + 1);
  // After the host, a ':' starts a port, which must then be a number: an empty one is
  // refused too, after an IPv6 address as after a name.
  std::optional<std::string_view> port;
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    if (close == std::string_view::npos) return "repoUrl's IPv6 address has no closing ']'";
    const std::string_view after = host_port.substr(close + 1);
    if (!after.empty() && after.front() != ':') return "repoUrl has text after its IPv6 address's ']'";
    if (!after.empty()) port = after.substr(1);
    if (close == 1) return "repoUrl names no host";
  } else {
    const auto colon = host_port.find(':');
    if (colon == 0 || host_port.empty()) return "repoUrl names no host";
    if (colon != std::string_view::npos) port = host_port.substr(colon + 1);
  }
  if (port) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (error != std::errc() || end != port->data() + port->size() || value < 1 || value > 65535) {
      return "repoUrl's port must be a number from 1 to 65535";
    }
  }
  return {};
}

std::string RemoteUrlWithoutUserInfo(std::string_view url) {
  const std::string_view userinfo = UserInfo(url);
  // The user info and the '@' after it.
  return userinfo.empty() ? std::string(url) : Replaced(url, {userinfo.data(), userinfo.size() + 1}, "");
}

}  // namespace libsync
