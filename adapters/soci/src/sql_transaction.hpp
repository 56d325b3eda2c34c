#pragma once
// The Transaction port on one SOCI session inside an open database transaction.

#include <soci/soci.h>

#include "connection.hpp"
#include "sqlite_statements.hpp"
#include "libsync/ports/store.hpp"

namespace libsync::sql {

class SqlTransaction final : public Transaction {
 public:
  /// `begin` is the statement that opens the transaction; it is sent with the first batch
  /// of statements rather than in a round trip of its own.
  /// `statements` is the session's SQLite statement cache (null on PostgreSQL).
  SqlTransaction(soci::session& session, SqliteStatementCache* statements, Dialect dialect, TxMode mode,
                 std::size_t event_retention, const char* begin)
      : s_(session),
        statements_(statements),
        dialect_(dialect),
        mode_(mode),
        event_retention_(event_retention),
        begin_(begin) {}

  /// A statement failed with a serialization conflict, deadlock or busy database; the
  /// store rolls back and runs the work again.
  bool conflicted() const noexcept { return conflicted_; }

  /// Sends what is still deferred and commits. Throws soci errors.
  void Commit();

  Result<Project> GetProject(std::string_view id) override;
  Status LockProject(std::string_view id) override;
  Result<std::vector<Project>> ListProjects() override;
  Status InsertProject(const Project& project) override;
  Status UpdateProject(const Project& project) override;
  Status DeleteProject(std::string_view id) override;

  Result<Doc> GetDoc(std::string_view project_id, std::string_view file_name) override;
  Result<std::vector<Doc>> ListDocs(std::string_view project_id) override;
  Result<std::vector<DocSummary>> ListDocSummaries(std::string_view project_id) override;
  Status InsertDoc(const Doc& doc) override;
  Status UpdateDoc(const Doc& doc, std::int64_t expected_version) override;
  Status DeleteDoc(std::string_view project_id, std::string_view file_name) override;

  Status InsertDocVersion(const DocVersion& version) override;
  Result<std::vector<DocVersion>> ListDocVersions(std::string_view doc_id) override;
  Result<DocVersion> GetDocVersion(std::string_view doc_id, std::int64_t version) override;

  Result<const Lock*> PeekLock(std::string_view project_id) override;
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
  /// Runs `fn` after sending deferred statements; maps soci exceptions to a Status.
  template <class Fn>
  auto Guard(Fn&& fn) -> decltype(fn());
  /// As Guard, without sending deferred statements first (for statements that defer).
  template <class Fn>
  auto Catch(Fn&& fn) -> decltype(fn());
  Status Writable() const;
  /// `param` as a nullable timestamp expression ('' means NULL).
  std::string NullableTime(const char* param) const;
  bool ProjectExists(const std::string& id);
  /// Queues a statement whose result nobody reads; it is sent in one batch (one round
  /// trip on PostgreSQL) with the next read or the commit.
  void Defer(std::string sql);
  void FlushDeferred(const char* then = nullptr);
  /// The deferred statements (and the counters update) as one ';'-separated batch.
  std::string TakeDeferred();
  /// `value` as a SQL string literal (quoted and escaped by libpq on PostgreSQL).
  std::string Literal(std::string_view value);
  std::string TimeLiteral(Timestamp t);
  bool HoldsProjectRow(std::string_view project_id) const;
  /// The key that `select` (a SELECT of the key columns with one `:v` parameter) finds for `value`.
  Result<ApiKey> FindKey(const std::string& select, std::string_view value);
  /// Reads the project's lock row (or its absence) together with the project's existence
  /// and, if `keep_counters`, its fence and seq counters (valid while the project is held).
  Result<std::optional<Lock>> ReadLock(std::string_view project_id, bool keep_counters);
  Result<std::optional<Lock>> LockProjectRowPostgres(std::string_view project_id);

  soci::session& s_;
  SqliteStatementCache* statements_;
  Dialect dialect_;
  TxMode mode_;
  std::size_t event_retention_;
  bool conflicted_ = false;
  // LockProject reads the lock row in the same round trip; GetLock then answers from here
  // until this transaction writes the lock. Valid because every lock writer locks the
  // project first, so nobody else can change the row while this transaction holds it.
  std::string cached_lock_project_;
  std::optional<Lock> cached_lock_;
  std::optional<Lock> peeked_lock_;  // what PeekLock read outside that cache
  // The project row this transaction holds (LockProject) and its counters as read then;
  // fences and event seqs are taken from here and written back with the deferred batch.
  std::string locked_project_;
  long long locked_fence_ = 0;
  long long locked_seq_ = 0;
  bool counters_dirty_ = false;  // locked_fence_/locked_seq_ changed; written at the next flush
  const char* begin_;  // the BEGIN statement until it is sent, then null
  std::vector<std::string> deferred_;
};

}  // namespace libsync::sql
