#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <thread>

namespace aitk {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using libsync::Result;
using libsync::Status;

constexpr std::size_t kMaxResponseBytes = 256u << 20;  // a whole project's docs

bool Idempotent(const std::string& method) { return method == "GET" || method == "PUT" || method == "DELETE"; }
bool Retryable(int status) { return status == 502 || status == 503 || status == 504; }

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Url(const Endpoint& e) { return (e.tls ? "https://" : "http://") + e.host + ":" + e.port; }

std::string Seconds(std::chrono::milliseconds limit) {
  const auto tenths = limit.count() / 100;
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + " s";
}

// A step that ran out of the attempt's time: origin kTimeoutOrigin, so it is not retried.
Status TimedOut(const Endpoint& e, std::chrono::milliseconds limit, const char* step) {
  return Status::Unavailable(std::string(step) + " " + Url(e) + " within " + Seconds(limit) + " (--timeout)",
                             kTimeoutOrigin);
}

Status Unreachable(const Endpoint& e, const beast::error_code& ec, std::chrono::milliseconds limit) {
  if (ec == beast::error::timeout) return TimedOut(e, limit, "could not connect to");
  return Status::Unavailable("cannot reach the platform at " + Url(e) + ": " + ec.message());
}

// What fixes a certificate that failed verification, by OpenSSL's verify result.
std::string CertificateAdvice(long result, const Endpoint& e) {
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "The certificate is not for " + e.host +
             ": use a host name it names in AI_TOOLKIT_PLATFORM_URL, or have it reissued for " + e.host;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "Have the server's certificate renewed (aitk-server --tls-cert, then SIGHUP), or check this "
             "machine's clock";
    default:
      return "If the server's certificate comes from your team's own CA, set AI_TOOLKIT_CA_FILE (environment or "
             ".env.ai-toolkit) to that CA's PEM file, or add it to the system trust store (SSL_CERT_FILE, "
             "SSL_CERT_DIR)";
  }
}

// One connection to the platform under one deadline: TCP, and for https:// TLS on top.
class Connection {
 public:
  explicit Connection(const HttpOptions& options) : options_(options) {}

  /// Connects (and handshakes); InvalidArgument for an unusable AI_TOOLKIT_CA_FILE,
  /// Unavailable otherwise (origin kTlsOrigin when TLS failed).
  Status Open(const Endpoint& e) {
    beast::tcp_stream tcp(io_);
    // One deadline for connecting, the handshake and sending the request; reading the
    // answer renews it whenever bytes arrive.
    tcp.expires_after(options_.timeout);
    beast::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(e.host, e.port, ec);  // the system resolver's own timeouts
    if (!ec) ec = Run([&](auto done) { tcp.async_connect(results, done); });
    if (ec) return Unreachable(e, ec, options_.timeout);
    if (!e.tls) {
      plain_.emplace(std::move(tcp));
      return Status::Ok();
    }
    LIBSYNC_RETURN_IF_ERROR(MakeContext());
    tls_.emplace(std::move(tcp), *context_);
    SSL* ssl = tls_->native_handle();
    // SNI names a host, never an address (RFC 6066 §3); SSL_set1_host checks either.
    boost::system::error_code not_address;
    asio::ip::make_address(e.host, not_address);
    if (not_address) {  // SSL_set_tlsext_host_name, without the macro's C cast
      SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(e.host.c_str()));
    }
    SSL_set1_host(ssl, e.host.c_str());
    static constexpr unsigned char kHttp11[] = "\x08http/1.1";
    SSL_set_alpn_protos(ssl, kHttp11, sizeof kHttp11 - 1);
    ec = Run([&](auto done) { tls_->async_handshake(asio::ssl::stream_base::client, done); });
    if (!ec) return Status::Ok();
    if (ec == beast::error::timeout) return TimedOut(e, options_.timeout, "no TLS handshake with");
    const long verified = SSL_get_verify_result(ssl);
    ERR_clear_error();
    if (verified != X509_V_OK) {
      return Status::Unavailable("the platform's certificate at " + Url(e) + " is not trusted: " +
                                     X509_verify_cert_error_string(verified) + ". " + CertificateAdvice(verified, e),
                                 kTlsOrigin);
    }
    return Status::Unavailable("TLS handshake with " + Url(e) + " failed: " + ec.message() +
                                   " (does the server serve https on this port?)",
                               kTlsOrigin);
  }

  beast::tcp_stream& transport() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  /// Calls `f` with the open stream, whichever kind it is.
  template <class F>
  auto With(F&& f) {
    return tls_ ? f(*tls_) : f(*plain_);
  }

  /// Runs one asynchronous operation to its end. beast::tcp_stream's deadline bounds only
  /// asynchronous operations (a blocking read would wait on a silent server for ever), so
  /// every step on the stream is one: `start(done)` starts it with `done` as its handler.
  template <class Start>
  beast::error_code Run(Start&& start) {
    beast::error_code result;
    std::forward<Start>(start)([&result](beast::error_code ec, auto&&...) { result = ec; });
    io_.restart();
    io_.run();
    return result;
  }

 private:
  Status MakeContext() {
    context_.emplace(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context_->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    context_->set_default_verify_paths(ec);  // the system's store; SSL_CERT_FILE / SSL_CERT_DIR
    if (!options_.ca_file.empty()) {
      context_->load_verify_file(options_.ca_file, ec);
      if (ec) {
        ERR_clear_error();
        return Status::InvalidArgument("AI_TOOLKIT_CA_FILE " + options_.ca_file +
                                       " holds no usable PEM certificate: " + ec.message());
      }
    }
    context_->set_verify_mode(asio::ssl::verify_peer);
    return Status::Ok();
  }

  const HttpOptions& options_;
  asio::io_context io_;
  std::optional<asio::ssl::context> context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

template <class Body>
http::request<Body> MakeRequest(const Endpoint& e, const std::string& method, const std::string& target,
                                const HttpClient::Headers& headers) {
  http::request<Body> request;
  request.method_string(method);
  request.target(e.base_path + target);
  request.version(11);
  request.set(http::field::host, e.host + ":" + e.port);
  request.set(http::field::user_agent, "aitk");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  return request;
}

bool IsRedirect(int status) { return status == 301 || status == 302 || status == 307 || status == 308; }

// Where a redirect may take the request and its key: from http:// to https:// on the same
// host (a server or proxy that moved to TLS), nowhere else. The method and body go along.
struct Upgrade {
  Endpoint endpoint;
  std::string target;  // path and query, the base path included
};
std::optional<Upgrade> HttpsUpgrade(const Endpoint& from, const std::string& location) {
  if (from.tls || !location.starts_with("https://")) return std::nullopt;
  auto parsed = ParseBaseUrl(location.substr(0, location.find_first_of("?#")));
  if (!parsed || Lower(parsed->host) != Lower(from.host)) return std::nullopt;
  const std::string_view rest = std::string_view(location).substr(8);
  const auto slash = rest.find('/');
  Upgrade up{std::move(parsed).value(), slash == std::string_view::npos ? "/" : std::string(rest.substr(slash))};
  up.endpoint.base_path.clear();  // the target is the whole path already
  return up;
}

}  // namespace

Result<Endpoint> ParseBaseUrl(std::string_view url) {
  const bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) {
    return Status::InvalidArgument("platform URL must start with https:// or http://: '" + std::string(url) + "'");
  }
  std::string_view rest = url.substr(tls ? 8 : 7);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  // The original hooks were configured with ".../api" or without; both work.
  if (base_path.ends_with("/api")) base_path.resize(base_path.size() - 4);
  Endpoint e;
  e.tls = tls;
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    e.host = std::string(authority);
    e.port = tls ? "443" : "80";
  } else {
    e.host = std::string(authority.substr(0, colon));
    e.port = std::string(authority.substr(colon + 1));
  }
  if (e.host.empty() || e.port.empty() || !std::all_of(e.port.begin(), e.port.end(), ::isdigit)) {
    return Status::InvalidArgument("platform URL has no usable host:port: '" + std::string(url) + "'");
  }
  e.base_path = std::move(base_path);
  return e;
}

Result<HttpResponse> HttpClient::SendOnce(const Endpoint& endpoint, const std::string& method,
                                          const std::string& target, const Headers& headers, const std::string& body,
                                          bool& reached_server) const {
  reached_server = false;
  Connection connection(options_);
  LIBSYNC_RETURN_IF_ERROR(connection.Open(endpoint));
  return connection.With([&](auto& stream) -> Result<HttpResponse> {
    auto request = MakeRequest<http::string_body>(endpoint, method, target, headers);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    beast::error_code ec = connection.Run([&](auto done) { http::async_write(stream, request, done); });
    if (ec) return Unreachable(endpoint, ec, options_.timeout);
    reached_server = true;

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    // The answer may be a whole project's docs over a slow link: the time limit is on
    // silence (no byte for that long), not on the whole transfer.
    while (!ec && !parser.is_done()) {
      connection.transport().expires_after(options_.timeout);
      ec = connection.Run([&](auto done) { http::async_read_some(stream, buffer, parser, done); });
    }
    if (ec == beast::error::timeout) return TimedOut(endpoint, options_.timeout, "no answer from");
    if (ec) return Status::Unavailable("no complete answer from the platform: " + ec.message());
    HttpResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      out.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
    }
    out.body = std::move(parser.get().body());
    // The whole answer is in (its length said so): no TLS close_notify exchange needed.
    connection.transport().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return out;
  });
}

Result<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target,
                                      const Headers& headers, const std::string& body) const {
  auto response = SendRetrying(endpoint_, method, target, headers, body);
  if (!response || !IsRedirect(response->status)) return response;
  auto upgrade = HttpsUpgrade(endpoint_, response->Header("location"));
  if (!upgrade) return response;
  return SendRetrying(upgrade->endpoint, method, upgrade->target, headers, body);
}

Result<HttpResponse> HttpClient::SendRetrying(const Endpoint& endpoint, const std::string& method,
                                              const std::string& target, const Headers& headers,
                                              const std::string& body) const {
  auto backoff = options_.first_backoff;
  for (int attempt = 0;; ++attempt) {
    bool reached_server = false;
    auto response = SendOnce(endpoint, method, target, headers, body, reached_server);
    // An untrusted certificate stays untrusted however often it is asked, and a server that
    // let the whole attempt pass without answering would make every retry wait as long
    // (the session-start hook has 30 s in all).
    if (!response && (response.error().origin() == kTlsOrigin || response.error().origin() == kTimeoutOrigin)) {
      return response;
    }
    const bool may_retry = !reached_server || Idempotent(method);
    const bool failed = !response || Retryable(response->status);
    if (!failed || !may_retry || attempt >= options_.retries) return response;
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

Result<int> HttpClient::Stream(const std::string& target, const Headers& headers,
                               std::chrono::milliseconds idle_timeout,
                               const std::function<bool(std::string_view)>& on_data) const {
  return StreamFrom(endpoint_, target, headers, idle_timeout, on_data, true);
}

Result<int> HttpClient::StreamFrom(const Endpoint& endpoint, const std::string& target, const Headers& headers,
                                   std::chrono::milliseconds idle_timeout,
                                   const std::function<bool(std::string_view)>& on_data, bool may_redirect) const {
  Connection connection(options_);
  LIBSYNC_RETURN_IF_ERROR(connection.Open(endpoint));
  std::optional<Upgrade> upgrade;
  auto status = connection.With([&](auto& stream) -> Result<int> {
    auto request = MakeRequest<http::empty_body>(endpoint, "GET", target, headers);
    request.set(http::field::accept, "text/event-stream");
    beast::error_code ec = connection.Run([&](auto done) { http::async_write(stream, request, done); });
    if (ec) return Unreachable(endpoint, ec, options_.timeout);

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);  // a stream has no end
    ec = connection.Run([&](auto done) { http::async_read_header(stream, buffer, parser, done); });
    if (ec == beast::error::timeout) return TimedOut(endpoint, options_.timeout, "no answer from");
    if (ec) return Status::Unavailable("no answer from the platform: " + ec.message());
    const int code = static_cast<int>(parser.get().result_int());
    if (may_redirect && IsRedirect(code)) {
      upgrade = HttpsUpgrade(endpoint, std::string(parser.get()[http::field::location]));
      if (upgrade) return code;
    }
    char chunk[8192];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      connection.transport().expires_after(idle_timeout);  // heartbeats keep a healthy stream inside this
      // Returns as soon as any body bytes arrive; a silent stream ends at idle_timeout.
      ec = connection.Run([&](auto done) { http::async_read_some(stream, buffer, parser, done); });
      if (ec && ec != http::error::need_buffer) break;
      const std::size_t used = sizeof chunk - parser.get().body().size;
      if (used > 0 && !on_data(std::string_view(chunk, used))) break;
    }
    return code;
  });
  if (upgrade) return StreamFrom(upgrade->endpoint, upgrade->target, headers, idle_timeout, on_data, false);
  return status;
}

}  // namespace aitk
