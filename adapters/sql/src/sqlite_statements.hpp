#pragma once
// Prepared SQLite statements kept per connection. Compiling a statement (parsing, name
// resolution, code generation) cost more than running the point reads the HTTP routes
// make, so each SQL text is compiled once per connection and reset between uses.

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "placeholders.hpp"

namespace libsync::sql {

class SqliteStatementCache {
 public:
  explicit SqliteStatementCache(sqlite3* db) : db_(db) {}
  SqliteStatementCache(const SqliteStatementCache&) = delete;
  SqliteStatementCache& operator=(const SqliteStatementCache&) = delete;
  ~SqliteStatementCache() { Clear(); }

  /// A statement for `sql`, ready to bind: every `:name` is its own positional parameter
  /// (placeholders.hpp). Hand it back with Release. Throws SqliteError when SQLite cannot
  /// compile it.
  sqlite3_stmt* Acquire(std::string_view sql);
  /// Resets the statement for its next use (or finalizes one that is not kept).
  void Release(sqlite3_stmt* statement) noexcept;
  /// Finalizes everything (before the connection is closed or reopened).
  void Clear() noexcept;
  /// Serves `db` from now on (after a reconnect); call Clear first.
  void Attach(sqlite3* db) noexcept { db_ = db; }

  sqlite3* db() const noexcept { return db_; }

 private:
  struct Entry {
    sqlite3_stmt* statement = nullptr;
    bool in_use = false;
    std::string_view text;  // the key it is kept under
  };
  Entry* Find(std::string_view sql);
  // The SQL texts come from the adapter's own code, so the set is small; the bound is a
  // guard against a caller that builds texts with values in them.
  static constexpr std::size_t kMaxStatements = 128;

  // Looked up by the caller's text without copying it into a std::string first.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, Entry, TextHash, std::equal_to<>> entries_;
  std::unordered_map<sqlite3_stmt*, Entry*> by_statement_;
  std::unordered_map<const char*, Entry*> by_address_;  // where callers' texts were last seen
};

/// Throws SQLite's last error on `db` as a SqliteError, so the store's error mapping
/// (busy, constraint, ...) reads its extended code.
[[noreturn]] void ThrowSqliteError(sqlite3* db);

}  // namespace libsync::sql
