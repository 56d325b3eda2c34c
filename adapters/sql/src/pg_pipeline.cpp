#include "pg_pipeline.hpp"

#include <boost/container/small_vector.hpp>

#include "error_mapping.hpp"

namespace libsync::sql {
namespace {

// libpq sends text parameters NUL-terminated, so a NUL inside a value would silently cut
// it short; PostgreSQL's text types cannot hold one anyway. Refuse, never truncate.
void CheckStorable(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    throw UnstorableValue("PostgreSQL cannot store a text value containing a NUL byte");
  }
}

void CheckStorable(const PgStatement& statement) {
  for (std::size_t i = 0; i < statement.values.size(); ++i) {
    CheckStorable(std::string_view(statement.values[i], statement.sizes[i]));
  }
}

using Pointers = boost::container::small_vector<const char*, 12>;

bool Sent(int rc) { return rc == 1; }

}  // namespace

void ThrowPgError(PGconn* conn, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn);
  // No SQLSTATE: libpq's own failure. A lost connection is "08006" (connection_failure),
  // which the mapping reports as kUnavailable; anything else is a bug here.
  if (!state || !*state) state = PQstatus(conn) == CONNECTION_OK ? "XX000" : "08006";
  throw PgError(message, state);
}

void CheckPgResult(PGconn* conn, const PGresult* result) {
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) ThrowPgError(conn, result);
}

void PgPipeline::Queue(std::string sql, std::span<const std::string_view> values) {
  Enqueue(std::move(sql), values, false);
}

void PgPipeline::QueueGuarded(std::string sql, std::span<const std::string_view> values) {
  Enqueue(std::move(sql), values, true);
}

void PgPipeline::Enqueue(std::string sql, std::span<const std::string_view> values, bool guarded) {
  Queued q{std::move(sql), {}, guarded};
  q.values.reserve(values.size());
  for (std::string_view v : values) {
    CheckStorable(v);
    q.values.emplace_back(v);
  }
  queued_.push_back(std::move(q));
}

std::vector<PgResult> PgPipeline::Run(std::span<const PgStatement> statements) {
  // A statement seen for the first time goes through the pipeline too: its Parse then
  // rides in the same round trip.
  const bool unprepared = statements_ && statements.size() == 1 && !statements_->Find(statements.front().sql);
  if (!queued_.empty() || statements.size() != 1 || unprepared) return RunPipelined(statements);
  std::vector<PgResult> out;
  out.push_back(RunOne(statements.front()));
  return out;
}

PgResult PgPipeline::RunOne(const PgStatement& statement) {
  CheckStorable(statement);
  const int count = static_cast<int>(statement.values.size());
  PgResult result;
  if (const std::string* name = statements_ ? statements_->Find(statement.sql) : nullptr) {
    result.reset(PQexecPrepared(conn_, name->c_str(), count, statement.values.data(), nullptr, nullptr, 0));
  } else {
    // One round trip (parse, bind, execute) with the unnamed statement.
    result.reset(PQexecParams(conn_, statement.sql, count, nullptr, statement.values.data(), nullptr, nullptr, 0));
  }
  CheckPgResult(conn_, result.get());
  return result;
}

std::vector<PgResult> PgPipeline::RunPipelined(std::span<const PgStatement> statements) {
  // Checked before anything is sent: a refused value must not leave half a pipeline.
  for (const PgStatement& statement : statements) CheckStorable(statement);
  std::vector<Queued> queued = std::move(queued_);
  queued_.clear();

  if (!Sent(PQenterPipelineMode(conn_))) ThrowPgError(conn_, nullptr);
  // Blocking mode is safe here: the statements' answers are small (command tags, and the
  // rows of the last statements), so the server never stalls on a full socket while we
  // are still sending.
  // What each result read below answers: a statement, or the Parse of one prepared now.
  struct Expected {
    const char* prepared_sql;  // set for a Parse
  };
  boost::container::small_vector<Expected, 16> expected;
  const auto send = [&](const char* sql, int count, const char* const* params) {
    const std::string* name = statements_ ? statements_->Find(sql) : nullptr;
    if (!name && statements_ && (name = statements_->Add(sql))) {
      if (!Sent(PQsendPrepare(conn_, name->c_str(), sql, count, nullptr))) ThrowPgError(conn_, nullptr);
      expected.push_back({sql});
    }
    const int rc = name ? PQsendQueryPrepared(conn_, name->c_str(), count, params, nullptr, nullptr, 0)
                        : PQsendQueryParams(conn_, sql, count, nullptr, params, nullptr, nullptr, 0);
    if (!Sent(rc)) ThrowPgError(conn_, nullptr);
    expected.push_back({nullptr});
  };
  for (const Queued& q : queued) {
    Pointers params;
    for (const std::string& v : q.values) params.push_back(v.c_str());
    send(q.sql.c_str(), static_cast<int>(params.size()), params.data());
  }
  for (const PgStatement& statement : statements) {
    send(statement.sql, static_cast<int>(statement.values.size()), statement.values.data());
  }
  if (!Sent(PQpipelineSync(conn_))) ThrowPgError(conn_, nullptr);

  // Each statement's results end with a null; after an error the server skips the rest
  // (PGRES_PIPELINE_ABORTED) up to the sync, so the first error is the one to report.
  PgResult failure;
  bool guard_missed = false;  // the failure is a guarded statement's division by zero
  std::vector<PgResult> out;
  std::size_t answered = 0;  // statements (not Parses) whose results were read
  for (const Expected& e : expected) {
    PgResult last;
    while (PGresult* r = PQgetResult(conn_)) last.reset(r);
    const ExecStatusType status = last ? PQresultStatus(last.get()) : PGRES_FATAL_ERROR;
    const bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
    if (e.prepared_sql && !ok) statements_->Forget(e.prepared_sql);  // skipped or refused: not prepared
    const bool failed_here = !ok && !failure && status != PGRES_PIPELINE_ABORTED;
    if (failed_here) failure = std::move(last);
    if (e.prepared_sql) continue;
    const std::size_t index = answered++;
    if (index < queued.size()) {
      if (failed_here && queued[index].guarded) {
        const char* state = PQresultErrorField(failure.get(), PG_DIAG_SQLSTATE);
        guard_missed = state && std::string_view(state) == "22012";
      }
      continue;
    }
    out.push_back(std::move(last));
  }
  PgResult sync(PQgetResult(conn_));
  const bool synced = sync && PQresultStatus(sync.get()) == PGRES_PIPELINE_SYNC;
  // Leaving pipeline mode needs every result read; on a broken connection it may not be,
  // and the store then replaces the connection (it checks PQpipelineStatus).
  if (synced) PQexitPipelineMode(conn_);
  // 40001: the store rolls back and runs the operation again from its reads.
  if (guard_missed) throw PgError("a row changed under the transaction (a guarded write missed)", "40001");
  if (failure) ThrowPgError(conn_, failure.get());
  if (!synced) ThrowPgError(conn_, nullptr);
  for (const PgResult& r : out) CheckPgResult(conn_, r.get());
  return out;
}

}  // namespace libsync::sql
