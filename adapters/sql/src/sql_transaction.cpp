// SqlTransaction's life: opening, commit, rollback, and the held project's counters.

#include "sql_transaction.hpp"

#include <libpq-fe.h>

#include <algorithm>

namespace libsync::sql {

Status ProjectNotFound(std::string_view id) { return Status::NotFound("project '" + std::string(id) + "' not found"); }
Status DocNotFound(std::string_view file_name) {
  return Status::NotFound("doc '" + std::string(file_name) + "' not found");
}

SqlTransaction::SqlTransaction(Executor executor, Dialect dialect, TxMode mode, std::size_t event_retention,
                               const char* begin)
    : dialect_(dialect), mode_(mode), event_retention_(event_retention) {
  if (executor.pg) {
    pipeline_.emplace(executor.pg, executor.pg_statements);
    channel_.pg = &*pipeline_;
  } else {
    channel_.sqlite = executor.sqlite;
  }
  // PostgreSQL: the BEGIN rides with the first statement that is read, rather than in a
  // round trip of its own. SQLite: a kept statement, run now.
  Query(channel_).Queue(begin);
}

Status SqlTransaction::Writable() const {
  if (mode_ == TxMode::kWrite) return Status::Ok();
  return Status::Internal("write attempted in a read transaction", "sql");
}

void SqlTransaction::HoldWrite(std::string sql, std::vector<std::string> values) {
  FlushHeldWrite();
  held_write_ = HeldWrite{std::move(sql), std::move(values)};
}

void SqlTransaction::FlushHeldWrite() {
  if (!held_write_) return;
  HeldWrite write = std::move(*held_write_);
  held_write_.reset();
  Query q(channel_);
  for (std::string& value : write.values) q.Use(value);
  q.Queue(write.sql);
}

void SqlTransaction::WriteCounters() {
  FlushHeldWrite();
  if (!counters_dirty_) return;
  long long fence = locked_fence_, seq = locked_seq_;
  Query q(channel_);
  q.Use(fence).Use(seq).Use(locked_project_);
  q.Queue(R"(UPDATE "Project" SET "lockFence" = :f, "eventSeq" = :s WHERE "id" = :p)");
  counters_dirty_ = false;
}

void SqlTransaction::Commit() {
  WriteCounters();
  commit_sent_ = true;
  Query(channel_).Run("COMMIT");
}

void SqlTransaction::Rollback() noexcept {
  if (pipeline_) {
    pipeline_->Discard();
    // Nothing was sent yet (the BEGIN still queued), or the connection is gone: the
    // server has nothing to undo for us.
    if (PQtransactionStatus(pipeline_->conn()) == PQTRANS_IDLE || PQstatus(pipeline_->conn()) != CONNECTION_OK) {
      return;
    }
  }
  try {
    Query(channel_).Run("ROLLBACK");
  } catch (...) {
    // The connection broke and the server has rolled the transaction back already; the
    // store replaces the connection (Connection::Lost).
  }
}

bool SqlTransaction::HoldsProjectRow(std::string_view project_id) const {
  return !locked_project_.empty() && locked_project_ == project_id;
}

void SqlTransaction::NoteAppended(const std::string& project_id, std::int64_t seq) {
  for (EventHead& head : appended_) {
    if (head.project_id == project_id) {
      head.seq = std::max(head.seq, seq);
      return;
    }
  }
  appended_.push_back({project_id, seq});
}

bool SqlTransaction::ProjectExists(const std::string& id) {
  int one = 0;
  std::string key = id;
  Query q(channel_);
  q.Into(one).Use(key);
  return q.Run(R"(SELECT 1 FROM "Project" WHERE "id" = :id)");
}

}  // namespace libsync::sql
