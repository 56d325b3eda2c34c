#pragma once
// A request parsed by Beast as the Api's transport-neutral Request. Included only by the
// translation units that use Beast anyway (the server, and the request fuzzer).

#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

#include "libsync/http/api.hpp"

namespace libsync::web {

/// Copies method, target and headers (names lower-cased) and moves the body out of `req`.
inline Request FromBeast(boost::beast::http::request<boost::beast::http::string_body>& req) {
  Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(req.body());
  return request;
}

}  // namespace libsync::web
