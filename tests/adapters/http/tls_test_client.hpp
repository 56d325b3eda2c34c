#pragma once
// For the server's TLS tests: a throwaway CA with certificates made by the openssl command
// (TestPki), and a blocking TLS client on OpenSSL (TlsClient) whose reads give up after a
// timeout, so a server that hangs fails the test instead of hanging it.

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_client.hpp"

namespace libsync::web {

/// A CA and certificates signed by it, in a temporary folder removed at the end. Keys are
/// P-256 and mode 0600.
class TestPki {
 public:
  TestPki() {
    char pattern[] = "/tmp/libsync-tls-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3 "
        "-subj /CN=test-ca");
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  /// Makes `name`.pem and `name`.key, a certificate for localhost and 127.0.0.1.
  void Issue(const std::string& name) {
    Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name + ".key -out " + name +
        ".csr -subj /CN=" + name);
    std::ofstream(dir_ / (name + ".ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    Run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile " + name +
        ".ext -out " + name + ".pem");
    std::filesystem::permissions(dir_ / (name + ".key"), std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write);
  }
  std::string Path(const std::string& file) const { return (dir_ / file).string(); }
  std::string Read(const std::string& file) const {
    std::ifstream in(dir_ / file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  TlsFiles Files(const std::string& name) const { return {Path(name + ".pem"), Path(name + ".key")}; }

 private:
  void Run(const std::string& command) const {
    const std::string line = "cd " + dir_.string() + " && " + command + " >/dev/null 2>&1";
    if (std::system(line.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  std::filesystem::path dir_;
};

/// One TLS connection to the server on loopback, verified against `ca_file` for
/// "localhost". `max_version`/`min_version`: pin the protocol (0: OpenSSL's range).
class TlsClient {
 public:
  struct Options {
    std::string ca_file;
    int min_version = 0;
    int max_version = 0;
    SSL_SESSION* resume = nullptr;  // offered for resumption when set
    bool offer_alpn = true;
    const char* source = nullptr;  // the local address to connect from (see Client)
    /// false: the client closes without a close_notify (as many do), keeping its own
    /// session resumable.
    bool close_notify = true;
  };

  TlsClient(std::uint16_t port, const Options& options) : tcp_(port, options.source), close_notify_(options.close_notify) {
    // What Client's MSG_NOSIGNAL does for plain sends: a write to a connection the server
    // closed after refusing a request (a 413 before the body was read) must fail, not
    // kill the test with SIGPIPE. OpenSSL's socket BIO writes with write(), which takes
    // no such flag, so the test process ignores the signal.
    static const bool kSigpipeIgnored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
    (void)kSigpipeIgnored;
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (options.min_version) SSL_CTX_set_min_proto_version(ctx_, options.min_version);
    if (options.max_version) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set1_host(ssl_, "localhost");
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>("localhost"));
    static constexpr unsigned char kHttp11[] = "\x08http/1.1";
    if (options.offer_alpn) SSL_set_alpn_protos(ssl_, kHttp11, sizeof kHttp11 - 1);
    if (options.resume) SSL_set_session(ssl_, options.resume);
    SSL_set_fd(ssl_, tcp_.fd());
    handshake_ok_ = tcp_.connected() && SSL_connect(ssl_) == 1;
    if (!handshake_ok_) ERR_clear_error();
  }
  ~TlsClient() {
    // A client that closes properly (close_notify), so its session stays resumable.
    if (!close_notify_) SSL_set_quiet_shutdown(ssl_, 1);
    if (handshake_ok_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  bool reused() const { return SSL_session_reused(ssl_) == 1; }
  std::string version() const { return SSL_get_version(ssl_); }
  std::string alpn() const {
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl_, &data, &length);
    return std::string(reinterpret_cast<const char*>(data), length);
  }
  /// The session to resume later (the caller frees it with SSL_SESSION_free). Read after
  /// a response: TLS 1.3 sends its session after the handshake.
  SSL_SESSION* session() const { return SSL_get1_session(ssl_); }
  /// The server's certificate, PEM.
  std::string PeerCertificatePem() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    X509_free(cert);
    return out;
  }

  void Send(const std::string& data) { SSL_write(ssl_, data.data(), static_cast<int>(data.size())); }

  /// One response (headers + Content-Length body), or what arrives before the peer closes
  /// or `timeout` passes.
  std::string ReadResponse(std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto header_end = data_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const auto cl = data_.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(data_.substr(cl + 16));
        if (data_.size() >= header_end + 4 + length) {
          std::string out = data_.substr(0, header_end + 4 + length);
          data_.erase(0, header_end + 4 + length);
          return out;
        }
      }
      if (!ReadSome(50ms)) break;
    }
    return std::exchange(data_, {});
  }

  /// Whatever arrives until `needle` has (or the time is up).
  std::string ReadUntil(const std::string& needle, std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (data_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(50ms)) break;
    }
    return std::exchange(data_, {});
  }

  std::string Get(const std::string& target, const std::string& headers = "") {
    Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    return ReadResponse();
  }

 private:
  // False once the peer has closed (or the TLS layer failed).
  bool ReadSome(std::chrono::milliseconds wait) {
    if (SSL_pending(ssl_) == 0) {
      pollfd p{tcp_.fd(), POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return true;
    }
    char buffer[16384];
    const int n = SSL_read(ssl_, buffer, sizeof buffer);
    if (n > 0) {
      data_.append(buffer, static_cast<std::size_t>(n));
      return true;
    }
    const int error = SSL_get_error(ssl_, n);
    ERR_clear_error();
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
  }

  Client tcp_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool close_notify_ = true;
  bool handshake_ok_ = false;
  std::string data_;
};

}  // namespace libsync::web
