// libFuzzer: raw bytes -> the server's HTTP request parser (Beast, with the server's
// limits) -> the router. Whatever parses must get an answer below 500.

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "beast_request.hpp"
#include "fuzz_world.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& world = libsync::fuzz::TheWorld();
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024 + 64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;  // the server answers these with 400/413/431 itself
  auto req = parser.release();
  const libsync::web::Request request = libsync::web::FromBeast(req);
  world.Check(request);
  return 0;
}
