#pragma once
// Credentials in the WebSocket handshake's Sec-WebSocket-Protocol header, the one header a
// browser's WebSocket can set: `aitk.v1, aitk.auth.<base64url secret>`. The server answers
// `aitk.v1` and never echoes the secret. This keeps the secret out of the URL, which
// access logs, proxies and browser history keep.

#include <optional>
#include <string>
#include <string_view>

#include "libsync/result.hpp"

namespace libsync::web {

inline constexpr std::string_view kEventProtocol = "aitk.v1";
inline constexpr std::string_view kAuthProtocolPrefix = "aitk.auth.";

/// Whether the comma-separated list `offered` names `protocol`.
bool OffersProtocol(std::string_view offered, std::string_view protocol);

/// The secret of an `aitk.auth.<base64url>` entry in `offered`, nullopt when there is none.
/// Expected errors: kUnauthenticated (the entry is not unpadded base64url of 1..512 bytes).
Result<std::optional<std::string>> SecretFromProtocols(std::string_view offered);

}  // namespace libsync::web
