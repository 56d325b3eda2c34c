#pragma once
// A Response as the bytes of an HTTP/1.x message, written into a buffer the connection
// reuses: one buffer and one write per response, without a serializer's per-field
// allocations (this is the hook hot path's whole answer).

#include <string>
#include <string_view>

#include "libsync/http/api.hpp"

namespace libsync::web {

/// The reason phrase of an HTTP status ("Not Found"), also the error body's "error".
std::string_view ReasonPhrase(int status);

/// The status line, `Server`, the response's headers (a name or value holding CR or LF
/// is left out), `Connection` as keep-alive requires for `version` (10 or 11),
/// `Content-Length` and the body (left out for a HEAD request: `head_only`, RFC 9110
/// §9.3.2). Replaces what `out` held, keeping its capacity.
void WriteResponseText(const Response& response, bool keep_alive, unsigned version, std::string& out,
                       bool head_only = false);

/// Appends `value` in decimal (to_chars: no format string, no allocation).
void AppendNumber(std::string& out, long long value);

}  // namespace libsync::web
