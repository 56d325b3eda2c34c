#pragma once
// The server's TLS settings as an OpenSSL context built from the certificate and key files,
// and the streams a connection is served over, plain or TLS. The one place that decides
// protocol versions, ciphers, session resumption and ALPN (docs/tls.md says why each).

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <type_traits>

#include "libsync/http/server.hpp"
#include "libsync/result.hpp"

namespace libsync::web {

/// A connection served as plain HTTP.
using PlainStream = boost::beast::tcp_stream;
/// A connection served as HTTPS.
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

/// The first byte of a TLS connection: a handshake record (RFC 8446 §5.1). Anything else on
/// the TLS port is a client speaking plain HTTP (or nothing we know).
inline constexpr unsigned char kTlsHandshakeRecord = 0x16;

/// Before a TLS connection is freed: OpenSSL drops the session of a connection freed
/// without a close_notify exchange from the cache, and most clients close without one, so
/// nearly no session could be resumed. (nginx does the same.) A connection that failed
/// with a fatal alert has had its session dropped by OpenSSL already.
void KeepSessionResumable(TlsStream& stream);

/// Refuses a key file that anyone but its owner may read or write: the key is the server's
/// identity. Expected errors: kInvalidArgument (the message names the file, its mode and
/// the chmod that fixes it, or why it cannot be read).
Status CheckKeyFileMode(const std::string& key_file);

/// A server context for `files`: TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers,
/// a session cache (no tickets), ALPN http/1.1. The key file's mode is checked first.
/// Expected errors: kInvalidArgument (a file that cannot be read, is not PEM, or a key that
/// does not match the certificate: the message names the file and OpenSSL's reason).
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const TlsFiles& files);

}  // namespace libsync::web
