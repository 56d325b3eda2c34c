#include "response_text.hpp"

#include <charconv>
#include <string_view>

namespace libsync::web {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 423: return "Locked";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

namespace {

// Header text comes from the Api, never from a client verbatim; this is the last guard
// against a value that would split the response.
bool SafeInHeader(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

}  // namespace

void AppendNumber(std::string& out, long long value) {
  char digits[24];
  out.append(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, value).ptr - digits));
}

void WriteResponseText(const Response& response, bool keep_alive, unsigned version, std::string& out,
                       bool head_only) {
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  AppendNumber(out, response.status);
  out.push_back(' ');
  out.append(ReasonPhrase(response.status));
  out.append("\r\nServer: libsync\r\n");
  for (const auto& [name, value] : response.headers) {
    if (name.empty() || !SafeInHeader(name) || !SafeInHeader(value)) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) out.append("Connection: close\r\n");
  // A 304 has no content, and its Content-Length would have to be the 200's (RFC 9110
  // §8.6): it is left out.
  if (response.status != 304) {
    out.append("Content-Length: ");
    AppendNumber(out, static_cast<long long>(response.body.size()));
    out.append("\r\n");
  }
  out.append("\r\n");
  if (!head_only) out.append(response.body);
}

}  // namespace libsync::web
