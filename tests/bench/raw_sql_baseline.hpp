#pragma once
// The raw-SQL baseline of the SQL store benchmark: the same two operations written by hand
// on one connection opened exactly as the store opens its own (sql::OpenConnection, so
// WAL, synchronous, busy timeout and foreign keys on SQLite, and the same libpq settings
// on PostgreSQL), through the same drivers (sqlite3's C API, libpq), each statement
// prepared once per connection, each operation in a transaction begun with the store's
// own BEGIN (IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL).
//
// Two baselines, each a RawWork:
// - kSameRows writes what the store must write for the same operation (docs/semantics.md): the
//   lock with its fence from the project's counter, the doc row with its git blob id and
//   the check that no live lock holds the project, and in the same transaction an event
//   with the project's next seq. This is the like-for-like baseline.
// - kMinimal is the classic hand-written lease (no fence) and versioned update (no lock
//   check), with no event: the floor, for what the contract itself costs.
// Every operation checks the rows it changed and exits the process when one did not do
// its work: a baseline that silently does nothing would make any ratio meaningless.

#include <memory>
#include <string>
#include <vector>

#include "bench_fail.hpp"

namespace libsync::bench {

enum class RawWork { kSameRows, kMinimal };

class RawSql {
 public:
  virtual ~RawSql() = default;

  /// Takes the project's lock, in a transaction of its own, with one upsert that takes it
  /// only when it is free or expired (kSameRows: first the project's next fence and
  /// event seq, last the lock:acquired event). Exits unless it inserted or replaced the row.
  virtual void TakeLock(const std::string& project_id, const std::string& token_hash) = 0;
  /// Deletes the lock by its token hash, in a transaction of its own (kSameRows: and logs
  /// lock:released). Exits unless it deleted exactly one row.
  virtual void DropLock(const std::string& project_id, const std::string& token_hash) = 0;
  /// Writes `content` as the doc's next version and records it in the history, in one
  /// transaction (kSameRows: only while no live lock holds the project, with the blob id,
  /// and logs doc:updated); returns the new version. Exits unless every row was written.
  virtual long long PutDoc(const std::string& doc_id, const std::string& project_id, const std::string& content) = 0;

  /// For the checks before timing: the first column of the first row of `sql` (`?`
  /// placeholders on SQLite, `$n` on PostgreSQL) as a number, or as text.
  virtual long long Number(const std::string& sql, const std::vector<std::string>& params) = 0;
  virtual std::string Text(const std::string& sql, const std::vector<std::string>& params) = 0;
  /// The durability and isolation this connection runs with, for the report.
  virtual std::string Settings() = 0;

  /// `?` or `$n` for parameter n (1-based) in this connection's SQL.
  virtual std::string Param(int n) const = 0;
};

/// A connection to the store's database at `url`, opened with the store's settings,
/// doing `work` per operation.
std::unique_ptr<RawSql> OpenRawSql(const std::string& url, RawWork work);

}  // namespace libsync::bench
