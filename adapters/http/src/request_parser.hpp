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
/// allocated each again.) Framing, limits and chunked bodies are Beast's, with the request
/// smuggling checks Beast leaves out (see on_field_impl).
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(Request& out) : out_(out) {}

  /// 10 for HTTP/1.0, 11 for HTTP/1.1; valid once the header is parsed.
  unsigned version() const { return version_; }

  /// Whether the read failed on a trailer field (see on_field_impl).
  bool refused_trailer() const { return refused_trailer_; }

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
    header_done_ = false;
    refused_trailer_ = false;
  }

  void on_response_impl(int, string_view, int, error_code&) override {}  // requests only

  // Request smuggling (RFC 9112 §6.1, §6.3): a proxy in front of us and this parser must
  // agree where a request ends, or a body becomes a second request. Beast already refuses
  // Content-Length beside chunked and conflicting Content-Lengths, and control characters
  // (NUL, a bare CR) in values. It lets through what is refused here:
  // - any Transfer-Encoding but exactly `chunked`: with `gzip` Beast reads no body at all
  //   (a request without a length has none), so the body was parsed as the next request;
  //   `gzip, chunked` would need decoding nobody does; `chunked, chunked` has no final
  //   chunked for Beast and again no body;
  // - Transfer-Encoding in an HTTP/1.0 request (§6.1: the framing cannot be trusted);
  // - obs-fold, a value continued on the next line (§5.2), which Beast joins into one
  //   value and another parser may read as two headers.
  // - any field after the header: a trailer of a chunked body (RFC 9112 §7.1.2), which
  //   Beast passes here too. Kept, it became a request header that a proxy filtering
  //   headers never saw (an API key, If-Match, a lock token). The RFC lets a recipient
  //   discard trailers, but dropping them would run a request its client meant otherwise
  //   (a PUT whose If-Match was dropped becomes unconditional), and no route takes one:
  //   refused, 400 and the connection closed, like every framing the server cannot trust.
  // The cost per header is a compare of Beast's field enum and a look at the byte or two
  // between name and value.
  void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                     error_code& ec) override {
    if (header_done_) {
      refused_trailer_ = true;
      ec = boost::beast::http::error::bad_field;
      return;
    }
    if (!FollowsItsName(name, value)) {
      ec = boost::beast::http::error::bad_value;
      return;
    }
    if (field == boost::beast::http::field::transfer_encoding &&
        (version_ < 11 || !boost::beast::iequals(value, "chunked"))) {
      ec = boost::beast::http::error::bad_transfer_encoding;
      return;
    }
    if (fields_ == out_.headers.size()) out_.headers.emplace_back();
    auto& [kept_name, kept_value] = out_.headers[fields_++];
    kept_name.assign(name.data(), name.size());
    for (char& c : kept_name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    kept_value.assign(value.data(), value.size());
  }

  // Beast passes a value straight from the input, right after its name, the colon and any
  // blanks; a value it unfolded from several lines was copied into a buffer of its own
  // (or, when the first line was empty, has the line break between it and its name). The
  // walk stays inside the input: it stops at the first byte that is not a blank, and the
  // input holds the header's end.
  static bool FollowsItsName(string_view name, string_view value) {
    const char* p = name.data() + name.size();
    if (reinterpret_cast<std::uintptr_t>(value.data()) <= reinterpret_cast<std::uintptr_t>(p) || *p != ':') {
      return false;
    }
    for (++p; p != value.data() && (*p == ' ' || *p == '\t');) ++p;
    return p == value.data();
  }

  void on_header_impl(error_code&) override {
    out_.headers.resize(fields_);  // drop the previous request's extra fields
    header_done_ = true;
  }

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
  bool header_done_ = false;      // fields from here on are trailers
  bool refused_trailer_ = false;
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
