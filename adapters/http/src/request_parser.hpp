#pragma once
// Beast's HTTP/1 request parser writing straight into the Api's transport-neutral Request.
// Included only by the translation units that use Beast anyway (the server, and the
// request fuzzer).

#include <boost/beast/http.hpp>

#include <cstdint>
#include <string_view>

#include "libsync/http/api.hpp"

namespace libsync::web {

/// Parses one request into a Request the connection keeps from one request to the next:
/// method, target, headers (names lower-cased) and body are assigned into the previous
/// request's strings, so a kept-alive connection parses without allocating once warm.
/// (Beast's own message allocated every header field, and copying it into a Request
/// allocated each again.) Framing, limits and chunked bodies are Beast's.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(Request& out) : out_(out) {}

  /// 10 for HTTP/1.0, 11 for HTTP/1.1; valid once the header is parsed.
  unsigned version() const { return version_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                       error_code&) override {
    out_.method.assign(method.data(), method.size());
    out_.target.assign(target.data(), target.size());
    out_.body.clear();
    version_ = static_cast<unsigned>(version);
    fields_ = 0;
  }

  void on_response_impl(int, string_view, int, error_code&) override {}  // requests only

  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
    if (fields_ == out_.headers.size()) out_.headers.emplace_back();
    auto& [kept_name, kept_value] = out_.headers[fields_++];
    kept_name.assign(name.data(), name.size());
    for (char& c : kept_name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    kept_value.assign(value.data(), value.size());
  }

  void on_header_impl(error_code&) override { out_.headers.resize(fields_); }  // drop the previous request's extra fields

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // Beast has checked the length against the body limit already.
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));
  }

  std::size_t on_body_impl(string_view part, error_code&) override {
    out_.body.append(part.data(), part.size());
    return part.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view part, error_code&) override {
    out_.body.append(part.data(), part.size());
    return part.size();
  }

  void on_finish_impl(error_code&) override {}

  Request& out_;
  unsigned version_ = 11;
  std::size_t fields_ = 0;
};

/// The request as Beast's message, for what needs one: accepting a WebSocket upgrade.
inline boost::beast::http::request<boost::beast::http::string_body> ToBeast(const Request& request,
                                                                            unsigned version) {
  boost::beast::http::request<boost::beast::http::string_body> out;
  out.method_string(request.method);
  out.target(request.target);
  out.version(version);
  for (const auto& [name, value] : request.headers) out.insert(name, value);
  out.body() = request.body;
  return out;
}

}  // namespace libsync::web
