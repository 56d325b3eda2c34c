#pragma once
// Statements on one PostgreSQL connection with every value a bound parameter (libpq's
// extended protocol), never spliced into the SQL text. Statements whose results nobody
// reads are queued and go out together with the next statement that is read (or the
// COMMIT), in libpq's pipeline mode: one round trip for the lot.

#include <libpq-fe.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pg_statements.hpp"

namespace libsync::sql {

struct PgResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

/// A statement to run now: `$n` placeholders, and one text value per placeholder, all
/// NUL-terminated, with the values' sizes (a NUL before the end is refused). They point
/// at the caller's text, which is not copied (a doc's content can be a megabyte).
struct PgStatement {
  const char* sql;
  std::span<const char* const> values;
  std::span<const std::size_t> sizes;
};

class PgPipeline {
 public:
  /// `statements`: the connection's prepared statements (null: every statement unnamed,
  /// as for one-off statements such as migrations).
  PgPipeline(PGconn* conn, PgStatementCache* statements) : conn_(conn), statements_(statements) {}
  PgPipeline(const PgPipeline&) = delete;
  PgPipeline& operator=(const PgPipeline&) = delete;

  /// Queues a statement and copies of its values. Throws UnstorableValue for a value
  /// PostgreSQL cannot hold (a NUL byte), before anything is queued.
  void Queue(std::string sql, std::span<const std::string_view> values);
  /// As Queue, for a write whose outcome the caller would otherwise have to read back: a
  /// compare-and-swap the transaction expects to succeed (its guard was read under the
  /// row lock it holds). `sql` must fail with division_by_zero (22012) when the guard
  /// misses (`WITH changed AS (UPDATE … RETURNING 1) SELECT 1 / CAST((SELECT COUNT(*)
  /// FROM changed) AS INT)`): an error, so that the server skips the rest of the
  /// pipeline, COMMIT included. The Run that sends it then throws PgError with SQLSTATE
  /// 40001 (serialization failure): the store rolls back and runs the whole operation
  /// again, which reads the changed row and answers as it would have at once.
  void QueueGuarded(std::string sql, std::span<const std::string_view> values);

  /// Sends the queued statements and then `statements`, in one round trip, and returns
  /// the results of `statements`, in order. Throws PgError for the
  /// first statement that failed (the rest were skipped by the server), and
  /// UnstorableValue as Queue does.
  std::vector<PgResult> Run(std::span<const PgStatement> statements);

  /// Statements are still queued (not sent).
  bool pending() const noexcept { return !queued_.empty(); }
  /// Forgets what is queued (after a rollback).
  void Discard() noexcept { queued_.clear(); }

  PGconn* conn() const noexcept { return conn_; }

 private:
  struct Queued {
    std::string sql;
    std::vector<std::string> values;
    bool guarded = false;  // QueueGuarded: its 22012 means the guard missed
  };
  void Enqueue(std::string sql, std::span<const std::string_view> values, bool guarded);
  PgResult RunOne(const PgStatement& statement);
  std::vector<PgResult> RunPipelined(std::span<const PgStatement> statements);

  PGconn* conn_;
  PgStatementCache* statements_;
  std::vector<Queued> queued_;
};

/// Throws the error a failed result (or a null one, for a lost connection) reports, as
/// PgError with its SQLSTATE, so the store's error mapping reads it.
[[noreturn]] void ThrowPgError(PGconn* conn, const PGresult* result);

/// Throws unless `result` holds rows or a completed command.
void CheckPgResult(PGconn* conn, const PGresult* result);

}  // namespace libsync::sql
