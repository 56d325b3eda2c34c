#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
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

Status Unreachable(const Endpoint& e, const beast::error_code& ec) {
  return Status::Unavailable("cannot reach the platform at " + e.host + ":" + e.port + ": " + ec.message());
}

// Connects a stream to the endpoint under the stream's current deadline.
beast::error_code Connect(asio::io_context& io, beast::tcp_stream& stream, const Endpoint& e) {
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(e.host, e.port, ec);
  if (!ec) stream.connect(results, ec);
  return ec;
}

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

}  // namespace

Result<Endpoint> ParseBaseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) {
    return Status::InvalidArgument("aitk speaks plain HTTP: use http:// (a TLS-terminating proxy on "
                                   "loopback, or the server's own address)");
  }
  if (!url.starts_with(kScheme)) return Status::InvalidArgument("platform URL must start with http://: '" + std::string(url) + "'");
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  // The original hooks were configured with ".../api" or without; both work.
  if (base_path.ends_with("/api")) base_path.resize(base_path.size() - 4);
  Endpoint e;
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    e.host = std::string(authority);
    e.port = "80";
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

Result<HttpResponse> HttpClient::SendOnce(const std::string& method, const std::string& target,
                                          const Headers& headers, const std::string& body,
                                          bool& reached_server) const {
  reached_server = false;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(options_.timeout);
  if (auto ec = Connect(io, stream, endpoint_)) return Unreachable(endpoint_, ec);

  auto request = MakeRequest<http::string_body>(endpoint_, method, target, headers);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  beast::error_code ec;
  http::write(stream, request, ec);
  if (ec) return Unreachable(endpoint_, ec);
  reached_server = true;

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  http::read(stream, buffer, parser, ec);
  if (ec) return Status::Unavailable("no complete answer from the platform: " + ec.message());
  HttpResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    out.headers[Lower(std::string(field.name_string()))] = std::string(field.value());
  }
  out.body = std::move(parser.get().body());
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

Result<HttpResponse> HttpClient::Send(const std::string& method, const std::string& target,
                                      const Headers& headers, const std::string& body) const {
  auto backoff = options_.first_backoff;
  for (int attempt = 0;; ++attempt) {
    bool reached_server = false;
    auto response = SendOnce(method, target, headers, body, reached_server);
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
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(options_.timeout);
  if (auto ec = Connect(io, stream, endpoint_)) return Unreachable(endpoint_, ec);
  auto request = MakeRequest<http::empty_body>(endpoint_, "GET", target, headers);
  request.set(http::field::accept, "text/event-stream");
  beast::error_code ec;
  http::write(stream, request, ec);
  if (ec) return Unreachable(endpoint_, ec);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);  // a stream has no end
  http::read_header(stream, buffer, parser, ec);
  if (ec) return Status::Unavailable("no answer from the platform: " + ec.message());
  const int status = static_cast<int>(parser.get().result_int());
  char chunk[8192];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    stream.expires_after(idle_timeout);  // heartbeats keep a healthy stream inside this
    http::read_some(stream, buffer, parser, ec);  // returns as soon as any body bytes arrive
    if (ec && ec != http::error::need_buffer) break;
    const std::size_t used = sizeof chunk - parser.get().body().size;
    if (used > 0 && !on_data(std::string_view(chunk, used))) break;
  }
  return status;
}

}  // namespace aitk
