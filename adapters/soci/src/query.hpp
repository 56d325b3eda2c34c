#pragma once
// One SQL statement with bound values, on either database: the connection's kept
// statement for the text on SQLite (SqliteStatementCache, through the C API), libpq's
// extended protocol on PostgreSQL (PgPipeline). Values are always parameters, never part
// of the SQL text, so any byte string reaches the database as it is.

#include <boost/container/small_vector.hpp>

#include <string>
#include <string_view>
#include <variant>

#include "pg_pipeline.hpp"
#include "sqlite_statements.hpp"

namespace libsync::sql {

/// Where statements run: SQLite's kept statements, or a PostgreSQL pipeline (whose
/// queued statements go out with the next one that runs).
struct Channel {
  SqliteStatementCache* sqlite = nullptr;
  PgPipeline* pg = nullptr;
};

class Query {
 public:
  explicit Query(const Channel& channel) : channel_(channel) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

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
  /// is none. Throws soci errors, and UnstorableValue for a value the database cannot
  /// hold.
  bool Run(std::string_view sql);
  /// The next row; false after the last.
  bool Next();
  /// Rows the statement inserted, updated or deleted.
  long long Affected();

  /// For a statement whose result nobody reads. PostgreSQL: queued with copies of its
  /// values, to be sent with the next statement that runs; SQLite: run now (no network
  /// to save, and a kept statement costs less than any batching).
  void Queue(std::string_view sql);

 private:
  using Slot = std::variant<std::string*, long long*, int*>;

  void BindSqlite(int index, const Slot& slot);
  bool StepSqlite();
  bool FetchPg();
  /// The inputs as text, for libpq; numbers are formatted into `numbers_`.
  void PgValues(boost::container::small_vector<std::string_view, 12>& out);

  Channel channel_;
  sqlite_api::sqlite3_stmt* sqlite_ = nullptr;
  PgResult pg_result_;
  int pg_row_ = 0;
  // Rows have a dozen columns at most: kept inline, no allocation per query.
  boost::container::small_vector<Slot, 12> inputs_;
  boost::container::small_vector<Slot, 12> outputs_;
  boost::container::small_vector<std::string, 4> numbers_;
};

}  // namespace libsync::sql
