#pragma once
// One SQL statement with bound values, written once for both databases: Query binds the
// caller's variables and hands the statement to the connection's backend (SqliteQuery or
// PgQuery, query_backend.hpp). Values are always parameters, never part of the SQL text,
// so any byte string reaches the database as it is.

#include <string_view>
#include <utility>
#include <variant>

#include "pg_query.hpp"
#include "sqlite_query.hpp"

namespace libsync::sql {

/// Where statements run: SQLite's kept statements, or a PostgreSQL pipeline (whose
/// queued statements go out with the next one that runs). Exactly one is set.
struct Channel {
  SqliteStatementCache* sqlite = nullptr;
  PgPipeline* pg = nullptr;
};

class Query {
 public:
  explicit Query(const Channel& channel) : backend_(Open(channel)) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  /// Binds a column of the result (in select-list order) to `value`, filled per row.
  template <class T>
  Query& Into(T& value) {
    outputs_.push_back(&value);
    return *this;
  }
  /// Binds the next `:name` placeholder to `value`, which must outlive the Run.
  template <class T>
  Query& Use(T& value) {
    inputs_.push_back(&value);
    return *this;
  }

  /// Executes `sql` (`:name` placeholders) and fetches the first row; false when there
  /// is none. Throws as QueryBackend says (SqliteError, PgError, UnstorableValue, BadRow).
  bool Run(std::string_view sql) {
    return std::visit([&](auto& b) { return b.Run(sql, inputs_, outputs_); }, backend_);
  }
  /// The next row; false after the last.
  bool Next() {
    return std::visit([&](auto& b) { return b.Next(outputs_); }, backend_);
  }
  /// Rows the statement inserted, updated or deleted.
  long long Affected() {
    return std::visit([](auto& b) { return b.Affected(); }, backend_);
  }
  /// For a statement whose result nobody reads. PostgreSQL: queued with copies of its
  /// values, to be sent with the next statement that runs; SQLite: run now.
  void Queue(std::string_view sql) {
    std::visit([&](auto& b) { b.Queue(sql, inputs_); }, backend_);
  }

  /// PostgreSQL only: as Queue, for a write whose guard the transaction expects to hold;
  /// `sql` fails with division by zero when it misses, and the statement that sends it
  /// then throws PgError 40001, a retryable conflict (PgPipeline::QueueGuarded).
  void QueueGuarded(std::string_view sql) { std::get<PgQuery>(backend_).QueueGuarded(sql, inputs_); }

  /// Runs `first` and then `second` (both bound, on one channel) and fetches each one's
  /// first row; returns whether each has one. PostgreSQL sends both in one round trip;
  /// SQLite runs one after the other.
  static std::pair<bool, bool> RunTogether(Query& first, std::string_view first_sql, Query& second,
                                           std::string_view second_sql);

 private:
  using Backend = std::variant<SqliteQuery, PgQuery>;
  static Backend Open(const Channel& channel);

  Backend backend_;
  Slots inputs_;
  Slots outputs_;
};

}  // namespace libsync::sql
