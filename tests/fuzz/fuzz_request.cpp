// libFuzzer: raw bytes -> the server's HTTP request parser (Beast, with the server's
// limits) -> the router. Whatever parses must get an answer below 500.

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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
  if (parsed) world.Check(fresh);
  return 0;
}
