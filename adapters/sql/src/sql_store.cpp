// The Store on SQL databases: transactions on pooled connections, retried on serialization
// conflicts and once on a connection lost before its commit.

#include "libsync/sql/sql_store.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "session_pool.hpp"
#include "error_mapping.hpp"
#include "pg_event_notifier.hpp"
#include "schema.hpp"
#include "sql_transaction.hpp"
#include "sqlite_checkpointer.hpp"

namespace libsync::sql {
namespace {

constexpr int kMaxAttempts = 12;

void Backoff(int attempt) {
  // Jittered exponential backoff, 1 ms .. ~64 ms, so retrying writers spread out.
  thread_local std::minstd_rand jitter(std::random_device{}());
  const int cap = 1 << std::min(attempt, 6);
  std::this_thread::sleep_for(std::chrono::microseconds(500 + jitter() % (1000u * static_cast<unsigned>(cap))));
}

class SqlStore final : public Store {
 public:
  SqlStore(Target target, SqlStoreOptions options, std::vector<Connection> connections,
           std::unique_ptr<SqliteCheckpointer> checkpointer)
      : target_(std::move(target)),
        options_(std::move(options)),
        pool_(std::move(connections), [this] { return OpenConnection(target_, options_); }),
        checkpointer_(std::move(checkpointer)) {
    if (target_.dialect == Dialect::kPostgres) notifier_.emplace(target_.connect_string);
    if (checkpointer_) {
      // On a pooled connection: a checkpoint needs no connection of its own, and waits for
      // one only while every connection is at work.
      checkpointer_->Start([this] { CheckpointPassively(pool_.Acquire()->sqlite.get()); });
    }
  }

  Status Transact(TxMode mode, const Work& work) override {
    // Writers in this process queue on a mutex rather than in SQLite's busy handler, which
    // sleeps; the busy timeout is left for other processes sharing the file.
    std::optional<std::unique_lock<std::mutex>> local_writer;
    if (target_.dialect == Dialect::kSqlite && mode == TxMode::kWrite) local_writer.emplace(sqlite_writer_);
    Status last;
    bool replaced_lost = false;
    bool back_off = false;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      if (back_off) Backoff(attempt);
      back_off = false;
      auto lease = pool_.Acquire();
      // A connection the server closed while it was idle (a restart, an administrator's
      // pg_terminate_backend) is replaced here; while the database is down, this is
      // where the call gets its kUnavailable.
      LIBSYNC_RETURN_IF_ERROR(lease.MakeUsable());
      std::optional<SqlTransaction> tx;
      Status status;
      bool retryable = false;
      try {
        tx.emplace(lease->executor(), target_.dialect, mode, options_.event_retention, BeginStatement(target_.dialect, mode));
        status = work(*tx);
        if (status.ok()) {
          tx->Commit();
          if (notifier_) notifier_->Committed(tx->appended_events());
          return Status::Ok();
        }
        retryable = tx->conflicted();
      } catch (const std::exception& e) {
        MappedError mapped = MapSqlError(e);
        status = mapped.status;
        retryable = mapped.retryable;
      }
      if (tx) tx->Rollback();
      if (lease->Lost()) {
        // The connection died under this call. The server rolled the transaction back,
        // so running it again on a new connection is safe, once -- unless the COMMIT was
        // on its way, when the outcome of a write is unknown. Either way the caller
        // sees kUnavailable (503, retry later), never an internal error.
        lease->broken = true;
        const bool outcome_known = !(tx && tx->commit_sent()) || mode == TxMode::kRead;
        if (!replaced_lost && outcome_known) {
          replaced_lost = true;
          last = status;
          continue;
        }
        return Status::Unavailable("database unavailable: the connection was lost" +
                                       (status.message().empty() ? std::string() : ": " + status.message()),
                                   status.origin().empty() ? "sql/08006" : status.origin());
      }
      if (retryable) {
        last = status;
        back_off = true;
        continue;
      }
      return status;
    }
    return Status::Unavailable("database stayed busy; gave up after " + std::to_string(kMaxAttempts) +
                                   " attempts: " + last.message(),
                               last.origin());
  }

  std::string_view Kind() const noexcept override {
    return target_.dialect == Dialect::kPostgres ? "postgresql" : "sqlite";
  }

 private:
  Target target_;
  SqlStoreOptions options_;
  SessionPool pool_;
  std::mutex sqlite_writer_;  // guards no member: it queues this process's SQLite writers (above)
  // SQLite: a large commit's checkpoint, off the committing thread. Declared after the
  // pool, so its thread ends (returning the connection it holds) before the pool closes.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
  // PostgreSQL: announces committed events to other servers. Declared last, so destroyed
  // first: its final notices go out while the store is otherwise still whole.
  std::optional<PgEventNotifier> notifier_;
};

// For a store opened without migrating: the database must already be at this build's
// version, since the statements assume every column.
Status RequireNoPendingMigration(const Channel& channel, const Target& target) {
  const auto applied = AppliedMigrations(channel, target.dialect);
  const int current = applied.empty() ? 0 : applied.back().first;
  if (current > LatestSchemaVersion()) {
    return Status::PreconditionFailed("the database schema is version " + std::to_string(current) +
                                      ", newer than this build supports (" + std::to_string(LatestSchemaVersion()) +
                                      "); upgrade libsync");
  }
  if (current < LatestSchemaVersion()) {
    return Status::PreconditionFailed(
        "the database " + target.display + " needs migrating (schema version " + std::to_string(current) + ", " +
        std::to_string(LatestSchemaVersion() - current) + " migration(s) pending up to " +
        std::to_string(LatestSchemaVersion()) + ") and migrating at start is off: run `aitk-server migrate`");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlStore(const SqlStoreOptions& options) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(options.url));
  if (options.pool_size == 0) return Status::InvalidArgument("pool_size must be at least 1");
  std::vector<Connection> connections;
  std::unique_ptr<SqliteCheckpointer> checkpointer;
  try {
    for (std::size_t i = 0; i < options.pool_size; ++i) connections.push_back(OpenConnection(target, options));
    Connection& first = connections.front();
    std::optional<PgPipeline> pipeline;
    if (first.pg) pipeline.emplace(first.pg.get(), nullptr);  // one-off statements: not prepared
    const Channel channel{first.statements.get(), pipeline ? &*pipeline : nullptr};
    if (options.migrate) {
      LIBSYNC_RETURN_IF_ERROR(Migrate(channel, target.dialect, target.schema).status());
    } else {
      LIBSYNC_RETURN_IF_ERROR(RequireNoPendingMigration(channel, target));
    }
    // The migration's statements run once: they need not take the cache's room.
    if (first.statements) first.statements->Clear();
    if (target.dialect == Dialect::kSqlite) {
      checkpointer = std::make_unique<SqliteCheckpointer>();
      for (Connection& c : connections) checkpointer->Watch(c.sqlite.get());
    }
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
  return std::unique_ptr<Store>(new SqlStore(std::move(target), options, std::move(connections), std::move(checkpointer)));
}

}  // namespace libsync::sql
