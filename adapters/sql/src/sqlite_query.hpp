#pragma once
// The SQLite implementation of the statement interface (query_backend.hpp): the
// connection's kept statement for the SQL text (SqliteStatementCache), driven through
// SQLite's C API.

#include <sqlite3.h>

#include <string_view>

#include "query_backend.hpp"
#include "sqlite_statements.hpp"

namespace libsync::sql {

class SqliteQuery {
 public:
  explicit SqliteQuery(SqliteStatementCache& statements) : statements_(&statements) {}
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;
  /// Hands the kept statement back, reset, for the next use of its text.
  ~SqliteQuery();

  bool Run(std::string_view sql, const Slots& inputs, const Slots& outputs);
  bool Next(const Slots& outputs);
  long long Affected() const { return sqlite3_changes(statements_->db()); }
  /// Runs now: there is no network to save, and a kept statement costs less than any
  /// batching would.
  void Queue(std::string_view sql, const Slots& inputs) { Run(sql, inputs, {}); }

 private:
  void Bind(int index, const Slot& slot);

  SqliteStatementCache* statements_;
  sqlite3_stmt* statement_ = nullptr;
};

static_assert(QueryBackend<SqliteQuery>);

}  // namespace libsync::sql
