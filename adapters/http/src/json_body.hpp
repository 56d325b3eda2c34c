#pragma once
// Strict decoding of JSON request bodies: an object with known fields of the right types.
// Anything else is a kInvalidArgument that names the field.

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "libsync/result.hpp"

namespace libsync::web {

class JsonBody {
 public:
  /// Parses `text` as one JSON object whose keys are all in `allowed`.
  static Result<JsonBody> Parse(std::string_view text, std::initializer_list<std::string_view> allowed);

  Result<std::string> RequiredString(std::string_view key) const;
  Result<std::optional<std::string>> OptionalString(std::string_view key) const;
  Result<std::optional<std::int64_t>> OptionalInt(std::string_view key, std::int64_t min, std::int64_t max) const;
  Result<std::optional<bool>> OptionalBool(std::string_view key) const;

 private:
  explicit JsonBody(boost::json::object object) : object_(std::move(object)) {}
  boost::json::object object_;
};

}  // namespace libsync::web
