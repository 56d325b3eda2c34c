#pragma once
// The Transaction port on one pooled connection inside an open database transaction.
// Each store operation's SQL is written once, for both databases, against Query; where
// the dialects differ, the piece comes from dialect.hpp, and rows become model types in
// rows.hpp. The definitions are split by what they store:
//   sql_transaction.cpp           opening, commit, rollback, the held project's counters
//   sql_transaction_projects.cpp  projects
//   sql_transaction_docs.cpp      docs and their versions
//   sql_transaction_new_docs.cpp  many new docs at once (imports)
//   sql_transaction_tombstones.cpp  docs deleted locally since their last git sync
//   sql_transaction_conflicts.cpp   the conflicts of each project's last import
//   sql_transaction_locks.cpp     locks and fences
//   sql_transaction_keys.cpp      API keys
//   sql_transaction_events.cpp    the event log

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "dialect.hpp"
#include "error_mapping.hpp"
#include "libsync/ports/store.hpp"
#include "pg_event_notifier.hpp"
#include "pg_pipeline.hpp"
#include "query.hpp"

namespace libsync::sql {

class SqlTransaction final : public Transaction {
 public:
  /// `begin` is the statement that opens the transaction. On PostgreSQL it is sent with
  /// the first statement whose result is read, rather than in a round trip of its own.
  /// Throws as Query does (SQLite: when BEGIN fails).
  SqlTransaction(Executor executor, Dialect dialect, TxMode mode, std::size_t event_retention, const char* begin);

  /// A statement failed with a serialization conflict, deadlock or busy database; the
  /// store rolls back and runs the work again.
  bool conflicted() const noexcept { return conflicted_; }

  /// Sends what is still queued and commits. Throws as Query does.
  void Commit();
  /// Rolls back what was sent, if anything; never throws.
  void Rollback() noexcept;
  /// Commit was called: if the connection broke during it, the outcome is unknown.
  bool commit_sent() const noexcept { return commit_sent_; }
  /// PostgreSQL: each project this transaction appended events to, with its newest seq;
  /// what the store's notifier announces once the transaction has committed.
  std::span<const EventHead> appended_events() const noexcept { return appended_; }

  Result<Project> GetProject(std::string_view id) override;
  Status LockProject(std::string_view id) override;
  Result<std::vector<Project>> ListProjects() override;
  Status InsertProject(const Project& project) override;
  Status UpdateProject(const Project& project) override;
  Result<bool> ClaimPoll(std::string_view project_id, std::string_view holder, Timestamp now, Timestamp until,
                         Timestamp next_poll_at) override;
  Status DeleteProject(std::string_view id) override;

  Result<Doc> GetDoc(std::string_view project_id, std::string_view file_name) override;
  Result<std::vector<Doc>> ListDocs(std::string_view project_id) override;
  Result<std::vector<DocSummary>> ListDocSummaries(std::string_view project_id) override;
  Result<std::optional<std::string>> FindPathClash(std::string_view project_id, std::string_view file_name) override;
  Result<std::vector<Doc>> ListDocsToExport(std::string_view project_id) override;
  Status InsertDoc(const Doc& doc) override;
  Status UpdateDoc(const Doc& doc, std::int64_t expected_version) override;
  Status DeleteDoc(std::string_view project_id, std::string_view file_name) override;
  Result<std::vector<std::string>> InsertNewDocs(std::span<const NewDoc> docs) override;

  Status PutTombstone(const DocTombstone& tombstone) override;
  Result<std::vector<DocTombstone>> ListTombstones(std::string_view project_id) override;
  Result<std::optional<DocTombstone>> TakeTombstone(std::string_view project_id,
                                                    std::string_view file_name) override;

  Status PutConflict(const DocConflict& conflict) override;
  Result<std::vector<DocConflict>> ListConflicts(std::string_view project_id) override;
  Result<std::optional<DocConflict>> TakeConflict(std::string_view project_id,
                                                  std::string_view file_name) override;
  Status ClearConflicts(std::string_view project_id) override;

  Status InsertDocVersion(const DocVersion& version) override;
  Result<std::vector<DocVersion>> ListDocVersions(std::string_view doc_id) override;
  Result<DocVersion> GetDocVersion(std::string_view doc_id, std::int64_t version) override;

  Status ReadLock(std::string_view project_id, FunctionRef<Status(const Lock*)> read) override;
  Status PutLock(const Lock& lock) override;
  Status DeleteLock(std::string_view project_id) override;
  Result<std::int64_t> NextFence(std::string_view project_id) override;
  Result<std::vector<Lock>> ListExpiredLocks(Timestamp now) override;

  Status InsertApiKey(const ApiKey& key) override;
  Result<ApiKey> GetApiKey(std::string_view id) override;
  Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) override;
  Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) override;
  Status UpdateApiKey(const ApiKey& key) override;

  Result<std::int64_t> AppendEvent(std::string_view project_id, std::string_view type,
                                   std::string_view payload, Timestamp at) override;
  Result<EventPage> ReadEvents(std::string_view project_id, std::int64_t after_seq,
                               std::size_t limit) override;

 private:
  /// Runs `fn` after writing the counters; maps the SQL layer's exceptions to a Status.
  template <class Fn>
  auto Guard(Fn&& fn) -> decltype(fn());
  /// As Guard, without writing the counters first (for statements that only queue).
  template <class Fn>
  auto Catch(Fn&& fn) -> decltype(fn());
  Status Writable() const;
  bool ProjectExists(const std::string& id);
  /// Queues the write-back of the held project's fence and seq counters, if they moved
  /// (and first the held write, if any).
  void WriteCounters();
  /// PostgreSQL, project row held: keeps a write (`sql` with `:name` placeholders, its
  /// values as text in placeholder order) to run as part of the next event's statement,
  /// where it costs no statement of its own (AppendEvent). Queues any earlier held write
  /// first, so writes reach the server in the order they were made.
  void HoldWrite(std::string sql, std::vector<std::string> values);
  /// Queues the held write, if any, as a statement of its own: before anything else is
  /// queued or run, so nothing overtakes it.
  void FlushHeldWrite();
  bool HoldsProjectRow(std::string_view project_id) const;
  /// Records `seq` as the newest event appended to `project_id` (appended_events).
  void NoteAppended(const std::string& project_id, std::int64_t seq);
  /// The key that `select` (a SELECT of the key columns with one `:v` parameter) finds for `value`.
  Result<ApiKey> FindKey(const std::string& select, std::string_view value);
  /// Reads the project's lock row (or its absence) together with the project's existence
  /// and, if `keep_counters`, its fence and seq counters (valid while the project is held).
  Result<std::optional<Lock>> ReadLockRow(std::string_view project_id, bool keep_counters);
  Result<std::optional<Lock>> LockProjectRowPostgres(std::string_view project_id);
  /// PostgreSQL, with the project row held: the doc and its current version's history
  /// row in one round trip; the history row is kept for GetDocVersion.
  Result<Doc> GetHeldDoc(std::string_view project_id, std::string_view file_name);
  /// The doc GetHeldDoc read is still at `version` as far as this transaction knows.
  bool ReadDocAt(std::string_view doc_id, std::int64_t version) const;

  std::optional<PgPipeline> pipeline_;  // PostgreSQL
  Channel channel_;
  Dialect dialect_;
  TxMode mode_;
  std::size_t event_retention_;
  bool conflicted_ = false;
  // LockProject reads the lock row in the same round trip; GetLock then answers from here
  // until this transaction writes the lock. Valid because every lock writer locks the
  // project first, so nobody else can change the row while this transaction holds it.
  std::string cached_lock_project_;
  std::optional<Lock> cached_lock_;
  // The project row this transaction holds (LockProject) and its counters as read then;
  // fences and event seqs are taken from here and written back before the next read or
  // the commit (on PostgreSQL, in the same round trip).
  std::string locked_project_;
  long long locked_fence_ = 0;
  long long locked_seq_ = 0;
  bool counters_dirty_ = false;  // locked_fence_/locked_seq_ changed; written before the next read
  // The write HoldWrite keeps for the next event's statement. It touches another table
  // than the event and the counters, so running them as one statement (whose parts share
  // a snapshot and cannot see each other's rows) changes nothing.
  struct HeldWrite {
    std::string sql;
    std::vector<std::string> values;
  };
  std::optional<HeldWrite> held_write_;
  // PostgreSQL: the doc GetHeldDoc read under the held project row (empty id: none, or
  // this transaction has written a doc or a version since), and its current version's
  // history row as read with it (nullopt: there was none). Valid for the same reason as
  // cached_lock_: every doc and version writer locks the project first.
  std::string read_doc_id_;
  std::int64_t read_doc_version_ = 0;
  std::optional<DocVersion> read_doc_history_;
  // That history row holds no text of its own (migration 11): the doc's text is copied
  // into it before the doc changes. False for every other row, and then nothing is sent.
  bool read_doc_history_text_in_doc_ = false;
  bool commit_sent_ = false;
  std::vector<EventHead> appended_;  // one entry per project; a transaction rarely touches two
};

/// The kNotFound a missing project or doc is reported with.
Status ProjectNotFound(std::string_view id);
Status DocNotFound(std::string_view file_name);

template <class Fn>
auto SqlTransaction::Catch(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    MappedError mapped = MapSqlError(e);
    if (mapped.retryable) conflicted_ = true;
    return mapped.status;
  }
}

template <class Fn>
auto SqlTransaction::Guard(Fn&& fn) -> decltype(fn()) {
  return Catch([&] {
    WriteCounters();  // reads must see this transaction's own writes
    return fn();
  });
}

}  // namespace libsync::sql
