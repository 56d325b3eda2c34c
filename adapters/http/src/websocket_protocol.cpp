#include "websocket_protocol.hpp"

namespace libsync::web {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

/// Unpadded base64url (RFC 4648 §5), strictly: no padding, no other character, no
/// leftover bits set.
std::optional<std::string> DecodeBase64Url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;
  return out;
}

template <class Fn>
void ForEachProtocol(std::string_view offered, Fn&& fn) {
  while (!offered.empty()) {
    const auto comma = offered.find(',');
    fn(Trim(offered.substr(0, comma)));
    offered = comma == std::string_view::npos ? std::string_view() : offered.substr(comma + 1);
  }
}

}  // namespace

bool OffersProtocol(std::string_view offered, std::string_view protocol) {
  bool found = false;
  ForEachProtocol(offered, [&](std::string_view p) { found = found || p == protocol; });
  return found;
}

Result<std::optional<std::string>> SecretFromProtocols(std::string_view offered) {
  std::optional<std::string_view> encoded;
  bool twice = false;
  ForEachProtocol(offered, [&](std::string_view p) {
    if (!p.starts_with(kAuthProtocolPrefix)) return;
    twice = twice || encoded.has_value();
    encoded = p.substr(kAuthProtocolPrefix.size());
  });
  // Two secrets are refused rather than one picked, as two credential headers are.
  if (twice) return Status::Unauthenticated("the aitk.auth WebSocket protocol is offered more than once; offer one");
  if (!encoded) return std::optional<std::string>();
  auto secret = DecodeBase64Url(*encoded);
  if (!secret || secret->empty() || secret->size() > 512) {
    return Status::Unauthenticated("the aitk.auth WebSocket protocol must carry the secret in unpadded base64url");
  }
  return std::optional<std::string>(std::move(*secret));
}

}  // namespace libsync::web
