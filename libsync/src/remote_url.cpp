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

std::string_view RemoteUrlPassword(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view rest = url.substr(scheme + 3);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  const std::string_view userinfo = authority.substr(0, at);
  const auto colon = userinfo.find(':');
  return colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
}

std::string RedactRemoteUrl(std::string_view url) {
  const std::string_view password = RemoteUrlPassword(url);
  if (password.empty()) return std::string(url);
  const auto at = static_cast<std::size_t>(password.data() - url.data());
  return std::string(url.substr(0, at)) + "***" + std::string(url.substr(at + password.size()));
}

}  // namespace libsync
