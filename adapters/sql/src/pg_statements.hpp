#pragma once
// Statements prepared on one PostgreSQL connection, by SQL text. A statement is parsed
// once per connection (its Parse rides in the pipeline where it is first used, so it
// costs no round trip of its own) and afterwards only bound and executed: the server
// skips parsing and analysis, and after a few executions planning too.

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace libsync::sql {

class PgStatementCache {
 public:
  /// The name the statement for `sql` is prepared under; null when it is not.
  const std::string* Find(std::string_view sql) const;
  /// Names a statement about to be prepared; null when the cache is full (the statement
  /// then runs unnamed, parsed each time).
  const std::string* Add(std::string_view sql);
  /// Its Parse did not run (the pipeline failed first): prepare it again next time,
  /// under a new name.
  void Forget(std::string_view sql);

 private:
  // The SQL texts come from the adapter's own code, so the set is small; the bound is a
  // guard against a caller that builds texts with values in them.
  static constexpr std::size_t kMaxStatements = 128;

  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>> names_;
  int next_ = 0;  // names are never reused, so a forgotten one cannot clash
};

}  // namespace libsync::sql
