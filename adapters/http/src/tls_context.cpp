#include "tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace libsync::web {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" configuration (ssl-config.mozilla.org, guidelines 5.7): every
// client of the last several years, forward secrecy and AEAD only. TLS 1.3's suites are
// OpenSSL's defaults, which are the same three.
constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kIntermediateGroups = "X25519:prime256v1:secp384r1";
// Resumed sessions skip the certificate and key exchange: a workstation's hooks reconnect
// every few seconds at most, well inside a day (Mozilla's and nginx's example value).
constexpr long kSessionSeconds = 24 * 60 * 60;
constexpr long kSessionCacheEntries = 20480;  // ~ 5 MB of OpenSSL's session objects at most
constexpr unsigned char kSessionIdContext[] = "aitk-server";

// ALPN: http/1.1 when the client offers it. A client that offers only other protocols
// (h2 alone) is served without ALPN rather than refused: it may still speak HTTP/1.1.
int SelectHttp11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                 unsigned int offered_length, void*) {
  static constexpr unsigned char kHttp11[] = "\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11 - 1, offered, offered_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

Status Refused(const std::string& what, const std::string& file, const boost::system::error_code& ec) {
  ERR_clear_error();
  return Status::InvalidArgument("TLS " + what + " " + file + ": " + ec.message());
}

}  // namespace

void KeepSessionResumable(TlsStream& stream) {
  SSL_set_shutdown(stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

Status CheckKeyFileMode(const std::string& key_file) {
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    return Status::InvalidArgument("TLS key " + key_file + ": " + std::strerror(errno));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::InvalidArgument("TLS key " + key_file + " may be read or written by others (mode " + mode +
                                   "): refusing to use it. Run: chmod 600 " + key_file +
                                   " (owned by the user aitk-server runs as)");
  }
  return Status::Ok();
}

Result<std::shared_ptr<ssl::context>> MakeServerTlsContext(const TlsFiles& files) {
  LIBSYNC_RETURN_IF_ERROR(CheckKeyFileMode(files.key_file));
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* handle = context->native_handle();
  SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION);
  // No renegotiation (a client could make the server redo handshakes at will), no
  // compression (CRIME), no tickets: resumption goes through the cache below, so no
  // long-lived ticket key can decrypt recorded sessions (Mozilla's advice).
  SSL_CTX_set_options(handle, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
  if (SSL_CTX_set_cipher_list(handle, kIntermediateCiphers) != 1 ||
      SSL_CTX_set1_groups_list(handle, kIntermediateGroups) != 1) {
    ERR_clear_error();
    return Status::Internal("this OpenSSL lacks the TLS ciphers or groups of Mozilla's intermediate list");
  }
  SSL_CTX_set_dh_auto(handle, 1);  // DHE with the RFC 7919 group matching the key's strength
  SSL_CTX_set_session_cache_mode(handle, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_session_id_context(handle, kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_sess_set_cache_size(handle, kSessionCacheEntries);
  SSL_CTX_set_timeout(handle, kSessionSeconds);
  SSL_CTX_set_alpn_select_cb(handle, SelectHttp11, nullptr);

  boost::system::error_code ec;
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return Refused("certificate", files.cert_file, ec);
  context->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return Refused("key", files.key_file, ec);
  if (SSL_CTX_check_private_key(handle) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("TLS key " + files.key_file + " does not belong to the certificate in " +
                                   files.cert_file);
  }
  return context;
}

}  // namespace libsync::web
