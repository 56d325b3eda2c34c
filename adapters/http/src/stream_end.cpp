#include "stream_end.hpp"

#include <boost/json.hpp>

namespace libsync::web {

std::optional<StreamEnd> StreamEndAfter(const Event& e, const Caller& subscriber) {
  if (e.type == event_type::kProjectDeleted) return StreamEnd{4404, "the project was deleted"};
  if (e.type != event_type::kKeyRevoked || subscriber.key_id().empty()) return std::nullopt;
  // {"keyId", "prefix", "revokedBy"}: another key's revocation leaves this stream alone.
  boost::system::error_code ec;
  const boost::json::value payload = boost::json::parse(e.payload, ec);
  const boost::json::value* key_id = !ec && payload.is_object() ? payload.as_object().if_contains("keyId") : nullptr;
  if (key_id && key_id->is_string() && key_id->as_string() == subscriber.key_id()) {
    return StreamEnd{4401, "this stream's API key was revoked"};
  }
  return std::nullopt;
}

}  // namespace libsync::web
