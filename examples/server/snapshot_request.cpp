#include "snapshot_request.hpp"

#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <optional>

namespace aitk_server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using libsync::Status;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
// The server answers once the copy is written and checked: minutes for a large database.
constexpr auto kAnswerTimeout = std::chrono::minutes(30);

struct Url {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  std::string port;
};

libsync::Result<Url> ParseUrl(const std::string& text) {
  Url url;
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    url.tls = true;
    rest = text.substr(8);
  } else {
    return Status::InvalidArgument("not an http(s) URL: " + text);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) return Status::InvalidArgument("no port in " + text);
  url.host = rest.substr(0, colon);
  url.port = rest.substr(colon + 1);
  if (url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  return url;
}

// Runs one exchange on `stream` (connected, and for TLS past its handshake): the request
// out, the whole answer in, within kAnswerTimeout.
template <class Stream>
beast::error_code Exchange(net::io_context& io, Stream& stream, const http::request<http::empty_body>& request,
                           http::response<http::string_body>& response) {
  beast::error_code result;
  beast::flat_buffer buffer;
  beast::get_lowest_layer(stream).expires_after(kAnswerTimeout);
  http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
    if (ec) {
      result = ec;
      return;
    }
    http::async_read(stream, buffer, response, [&](beast::error_code read_ec, std::size_t) { result = read_ec; });
  });
  io.restart();
  io.run();
  return result;
}

std::string ServerMessage(const std::string& body) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    if (const auto* message = parsed.as_object().if_contains("message"); message && message->is_string()) {
      return std::string(message->as_string());
    }
  }
  return body.substr(0, 200);
}

// Connects `stream` to the server within kConnectTimeout.
beast::error_code Connect(net::io_context& io, beast::tcp_stream& stream, const Url& url) {
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return ec;
  stream.expires_after(kConnectTimeout);
  stream.async_connect(endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) { ec = connect_ec; });
  io.restart();
  io.run();
  return ec;
}

}  // namespace

libsync::Result<libsync::web::StoreSnapshot> RequestSnapshot(const ServerAddress& address,
                                                             const std::string& admin_token) {
  LIBSYNC_ASSIGN_OR_RETURN(Url url, ParseUrl(address.url));
  const auto unreachable = [&](const std::string& why) {
    return Status::Unavailable("the server on this data directory (" + address.url + ") does not answer: " + why);
  };
  http::request<http::empty_body> request(http::verb::post, "/api/admin/backup", 11);
  request.set(http::field::host, url.host);
  request.set(http::field::authorization, "Bearer " + admin_token);
  request.set(http::field::connection, "close");
  request.content_length(0);
  http::response<http::string_body> response;

  net::io_context io;
  beast::error_code ec;
  if (url.tls) {
    ssl::context tls(ssl::context::tls_client);
    tls.load_verify_file(address.certificate, ec);
    if (ec) return Status::Unavailable("cannot read the server's certificate " + address.certificate + ": " + ec.message());
    // The served certificate is the trust anchor itself, not a CA above it.
    X509_STORE_set_flags(SSL_CTX_get_cert_store(tls.native_handle()), X509_V_FLAG_PARTIAL_CHAIN);
    tls.set_verify_mode(ssl::verify_peer);
    ssl::stream<beast::tcp_stream> stream(io, tls);
    if ((ec = Connect(io, stream.next_layer(), url))) return unreachable(ec.message());
    stream.next_layer().expires_after(kConnectTimeout);
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code handshake_ec) { ec = handshake_ec; });
    io.restart();
    io.run();
    if (ec) return unreachable("TLS handshake: " + ec.message());
    ec = Exchange(io, stream, request, response);
  } else {
    beast::tcp_stream stream(io);
    if ((ec = Connect(io, stream, url))) return unreachable(ec.message());
    ec = Exchange(io, stream, request, response);
  }
  if (ec) return unreachable(ec.message());

  const int status = response.result_int();
  if (status != 201) {
    std::string message = "the server (" + address.url + ") answered " + std::to_string(status) + ": " +
                          ServerMessage(response.body());
    if (status == 401 || status == 403) {
      message += " (the admin token comes from AITK_ADMIN_TOKEN, else DIR/admin-token: the server's)";
    }
    return Status(libsync::ErrorCodeOfHttpStatus(status), message);
  }
  const boost::json::value parsed = boost::json::parse(response.body(), ec);
  const auto* object = ec ? nullptr : parsed.if_object();
  const auto* name = object ? object->if_contains("name") : nullptr;
  const auto* bytes = object ? object->if_contains("bytes") : nullptr;
  if (!name || !name->is_string() || !bytes || !bytes->is_number()) {
    return Status::Unavailable("the server (" + address.url + ") answered 201 without a snapshot's name and size");
  }
  return libsync::web::StoreSnapshot{std::string(name->as_string()), bytes->to_number<std::uint64_t>()};
}

}  // namespace aitk_server
