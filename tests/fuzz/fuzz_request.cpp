// libFuzzer: raw bytes -> the server's HTTP request parser (Beast, with the server's
// limits) -> the router. Whatever parses must get an answer below 500, and its framing
// must be one no proxy can read differently (no request smuggling).

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <string_view>

#include "fuzz_world.hpp"
#include "request_parser.hpp"

namespace {

// Parses `data` into `out` with the server's limits; true when a whole request parsed.
bool Parse(const std::uint8_t* data, std::size_t size, libsync::web::Request& out) {
  libsync::web::RequestParser parser(out);
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024 + 64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  return !ec && parser.is_done();  // the server answers the rest with 400/413/431 itself
}

// A parsed request has at most one Transfer-Encoding, exactly "chunked", and then no
// Content-Length; at most one distinct Content-Length; no value with CR, LF or NUL.
bool Unambiguous(const libsync::web::Request& r) {
  int codings = 0, lengths = 0;
  for (const auto& [name, value] : r.headers) {
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return false;
    if (name == "transfer-encoding") {
      ++codings;
      if (!boost::beast::iequals(value, "chunked")) return false;
    }
    lengths += name == "content-length";
  }
  return codings <= 1 && !(codings == 1 && lengths > 0);
}

bool Same(const libsync::web::Request& a, const libsync::web::Request& b) {
  return a.method == b.method && a.target == b.target && a.headers == b.headers && a.body == b.body;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& world = libsync::fuzz::TheWorld();
  // A connection parses each request into the previous one's Request: nothing of an
  // earlier input may survive into what this one parses to.
  static libsync::web::Request kept;
  libsync::web::Request fresh;
  const bool parsed = Parse(data, size, fresh);
  if (Parse(data, size, kept) != parsed || (parsed && !Same(kept, fresh))) __builtin_trap();
  if (parsed && !Unambiguous(fresh)) __builtin_trap();
  if (parsed) world.Check(fresh);
  return 0;
}
