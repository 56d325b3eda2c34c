// The Store on SOCI: transactions on pooled sessions, retried on serialization conflicts.

#include "libsync/sql/sql_store.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "connection.hpp"
#include "error_mapping.hpp"
#include "schema.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {
namespace {

constexpr int kMaxAttempts = 12;

void Backoff(int attempt) {
  // Jittered exponential backoff, 1 ms .. ~64 ms, so retrying writers spread out.
  thread_local std::minstd_rand jitter(std::random_device{}());
  const int cap = 1 << std::min(attempt, 6);
  std::this_thread::sleep_for(std::chrono::microseconds(500 + jitter() % (1000u * static_cast<unsigned>(cap))));
}

void RollbackQuietly(soci::session& s) {
  try {
    s << "ROLLBACK";
  } catch (...) {
    // Nothing was open (BEGIN was still deferred), or the connection broke and the server
    // has rolled the transaction back already.
  }
}

class SqlStore final : public Store {
 public:
  SqlStore(Target target, SqlStoreOptions options, std::vector<Connection> connections)
      : target_(std::move(target)), options_(std::move(options)), pool_(std::move(connections)) {}

  Status Transact(TxMode mode, const Work& work) override {
    // Writers in this process queue on a mutex rather than in SQLite's busy handler, which
    // sleeps; the busy timeout is left for other processes sharing the file.
    std::optional<std::unique_lock<std::mutex>> local_writer;
    if (target_.dialect == Dialect::kSqlite && mode == TxMode::kWrite) local_writer.emplace(sqlite_writer_);
    Status last;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      if (attempt > 0) Backoff(attempt);
      auto lease = pool_.Acquire();
      soci::session& s = *lease;
      SqliteStatementCache* statements = lease.statements();
      try {
        SqlTransaction tx(s, statements, target_.dialect, mode, options_.event_retention, BeginStatement(mode));
        Status status = work(tx);
        if (!status.ok()) {
          RollbackQuietly(s);
          if (tx.conflicted()) {
            last = status;
            continue;
          }
          return status;
        }
        tx.Commit();
        return Status::Ok();
      } catch (const std::exception& e) {
        MappedError mapped = MapSqlError(e);
        RollbackQuietly(s);
        if (mapped.retryable) {
          last = mapped.status;
          continue;
        }
        // A dropped connection fails this call; the session is ready again for the next.
        if (mapped.status.code() == ErrorCode::kUnavailable) Reconnect(s, statements);
        return mapped.status;
      } catch (...) {
        RollbackQuietly(s);
        throw;
      }
    }
    return Status::Unavailable("database stayed busy; gave up after " + std::to_string(kMaxAttempts) +
                                   " attempts: " + last.message(),
                               last.origin());
  }

  std::string_view Kind() const noexcept override {
    return target_.dialect == Dialect::kPostgres ? "postgresql" : "sqlite";
  }

 private:
  const char* BeginStatement(TxMode mode) const {
    if (target_.dialect == Dialect::kSqlite) return mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
    // Writers serialize per project with SELECT ... FOR UPDATE, which READ COMMITTED
    // re-reads after the wait; readers get one snapshot.
    return mode == TxMode::kWrite ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                  : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  }

  void Reconnect(soci::session& s, SqliteStatementCache* statements) {
    // Statements belong to the old connection: finalized before it closes, and the
    // cache then serves the new one.
    if (statements) statements->Clear();
    try {
      s.reconnect();
      if (statements) statements->Attach(static_cast<soci::sqlite3_session_backend*>(s.get_backend())->conn_);
      if (target_.dialect == Dialect::kPostgres) s << "SET datestyle = 'ISO, YMD'";
    } catch (...) {
      // Still down; the next transaction reports it and tries again.
    }
  }

  Target target_;
  SqlStoreOptions options_;
  SessionPool pool_;
  std::mutex sqlite_writer_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlStore(const SqlStoreOptions& options) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(options.url));
  if (options.pool_size == 0) return Status::InvalidArgument("pool_size must be at least 1");
  std::vector<Connection> connections;
  try {
    for (std::size_t i = 0; i < options.pool_size; ++i) connections.push_back(OpenConnection(target, options));
    LIBSYNC_RETURN_IF_ERROR(Migrate(*connections.front().session, target.dialect));
  } catch (const std::exception& e) {
    MappedError mapped = MapSqlError(e);
    Status s = mapped.status;
    const bool opening = connections.empty();
    std::string what = opening ? "cannot open database " : "cannot prepare database ";
    ErrorCode code = s.code();
    if (opening && code == ErrorCode::kInternal) code = ErrorCode::kUnavailable;  // connect failures
    std::string why = s.message();
    if (options.sqlite_exclusive && mapped.retryable) why = "another process has it open, and this store needs it alone";
    return Status(code, what + target.display + ": " + why, {}, s.origin());
  }
  return std::unique_ptr<Store>(new SqlStore(std::move(target), options, std::move(connections)));
}

}  // namespace libsync::sql
