#include "json_duplicate_keys.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <unordered_set>

namespace libsync::web {
namespace {

using boost::json::string_view;
using boost::system::error_code;

// Walks the document keeping the keys of the outermost object; values, nested objects
// included, are skipped. Only top-level keys name request fields: a nested object is
// refused by the field's type check anyway. A hash set keeps the walk linear in the body,
// whatever the key count (a scan of the keys seen so far made a 1 MiB body of ~116k
// distinct keys cost ~7e9 compares).
class KeyTracker {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) {
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    --depth_;
    return true;
  }
  bool on_object_begin(error_code&) {
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    --depth_;
    return true;
  }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return true; }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    if (depth_ != 1) return true;
    key_.append(s.data(), s.size());
    if (auto [it, inserted] = keys_.insert(std::move(key_)); !inserted) {
      duplicate_ = *it;
      ec = boost::json::error::syntax;  // stops the walk: one duplicate is enough
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  std::optional<std::string> duplicate_;

 private:
  std::size_t depth_ = 0;  // 1 inside the outermost object
  std::unordered_set<std::string> keys_;
  std::string key_;
};

}  // namespace

std::optional<std::string> FindDuplicateKey(std::string_view json) {
  boost::json::parse_options options;
  options.max_depth = 16;
  boost::json::basic_parser<KeyTracker> parser(options);
  error_code ec;
  parser.write_some(false, json.data(), json.size(), ec);
  return std::move(parser.handler().duplicate_);
}

}  // namespace libsync::web
