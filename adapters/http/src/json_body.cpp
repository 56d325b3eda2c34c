#include "json_body.hpp"

#include <algorithm>

#include "json_duplicate_keys.hpp"

namespace libsync::web {
namespace {

Status Bad(std::string message) { return Status::InvalidArgument(std::move(message)); }

}  // namespace

Result<JsonBody> JsonBody::Parse(std::string_view text, std::initializer_list<std::string_view> allowed) {
  if (text.empty()) return Bad("request body must be a JSON object");
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 16;  // bodies here are flat; deep nesting is an attack, not a request
  boost::json::value value = boost::json::parse(text, ec, {}, options);
  if (ec) return Bad("request body is not valid JSON: " + ec.message());
  if (!value.is_object()) return Bad("request body must be a JSON object");
  // Unknown fields first: the cheaper check (each key against a handful) refuses a body
  // stuffed with keys before the duplicate walk reads it a second time.
  for (const auto& [key, ignored] : value.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) {
      return Bad("unknown field '" + std::string(key) + "'");
    }
  }
  if (auto key = FindDuplicateKey(text)) return Bad("field '" + *key + "' appears more than once");
  return JsonBody(std::move(value.as_object()));
}

Result<std::string> JsonBody::RequiredString(std::string_view key) const {
  LIBSYNC_ASSIGN_OR_RETURN(auto value, OptionalString(key));
  if (!value) return Bad("field '" + std::string(key) + "' is required");
  return std::move(*value);
}

Result<std::optional<std::string>> JsonBody::OptionalString(std::string_view key) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return Bad("field '" + std::string(key) + "' must be a string");
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<std::optional<std::int64_t>> JsonBody::OptionalInt(std::string_view key, std::int64_t min,
                                                          std::int64_t max) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::int64_t>();
  std::int64_t n;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->as_uint64());
  } else {
    return Bad("field '" + std::string(key) + "' must be an integer");
  }
  if (n < min || n > max) {
    return Bad("field '" + std::string(key) + "' must be between " + std::to_string(min) + " and " +
               std::to_string(max));
  }
  return std::optional<std::int64_t>(n);
}

Result<std::optional<bool>> JsonBody::OptionalBool(std::string_view key) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return Bad("field '" + std::string(key) + "' must be true or false");
  return std::optional<bool>(v->as_bool());
}

}  // namespace libsync::web
