#pragma once
// Store port: transactional access to projects, docs, versions, locks, keys and events.
//
// A use case runs as exactly one call to Store::Transact. Everything it reads and writes
// through the Transaction is one atomic unit: either all of it is committed or none.
//
// Concurrency contract, which every implementation must keep, within one process and
// across processes sharing a database:
//  * Write transactions that call LockProject (or GetProjectForUpdate) for the same
//    project are serialized: the second waits until the first has committed or rolled
//    back, and then sees its writes. This is what makes lock acquisition exclusive.
//  * A transaction that fails with a serialization conflict is rolled back and `work` is
//    run again from the start, so `work` must have no effects outside the transaction.
//  * Read transactions see a consistent snapshot.
//
// Ids, hashes and timestamps are computed by the core; a store persists what it is given,
// except event seqs and fences, which it assigns from per-project counters.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/model/api_key.hpp"
#include "libsync/function_ref.hpp"
#include "libsync/model/doc.hpp"
#include "libsync/model/doc_conflict.hpp"
#include "libsync/model/doc_version.hpp"
#include "libsync/model/event.hpp"
#include "libsync/model/lock.hpp"
#include "libsync/model/project.hpp"
#include "libsync/result.hpp"

namespace libsync {

/// The operations available inside one transaction. Only valid during the Transact call
/// that handed it out, and only on that thread. Unless stated otherwise, methods report
/// kUnavailable (backend unreachable) or kInternal besides the codes listed.
class Transaction {
 public:
  virtual ~Transaction() = default;

  // --- projects -----------------------------------------------------------------------
  /// Expected errors: kNotFound.
  virtual Result<Project> GetProject(std::string_view id) = 0;
  /// Takes the project's write lock for the rest of the transaction (see the header
  /// comment). Expected errors: kNotFound.
  virtual Status LockProject(std::string_view id) = 0;
  /// All projects, ordered by creation time then id.
  virtual Result<std::vector<Project>> ListProjects() = 0;
  /// Expected errors: kPreconditionFailed (the id exists).
  virtual Status InsertProject(const Project& project) = 0;
  /// Replaces every column of the project with this id. Expected errors: kNotFound.
  virtual Status UpdateProject(const Project& project) = 0;
  /// Polling lease (one server polls each project's remote): gives `holder` the lease until
  /// `until` and sets the project's next_poll_at, unless another holder's lease is still
  /// live at `now`; atomic across processes sharing the database. Returns whether `holder`
  /// holds it now (false: another does; nothing changed). Expected errors: kNotFound.
  virtual Result<bool> ClaimPoll(std::string_view project_id, std::string_view holder, Timestamp now,
                                 Timestamp until, Timestamp next_poll_at) = 0;
  /// Deletes the project and, by cascade, its docs, versions, lock, keys and events.
  /// Expected errors: kNotFound.
  virtual Status DeleteProject(std::string_view id) = 0;

  // --- docs ---------------------------------------------------------------------------
  /// Expected errors: kNotFound (no such project or doc).
  virtual Result<Doc> GetDoc(std::string_view project_id, std::string_view file_name) = 0;
  /// The project's docs, ordered by fileName bytewise. Expected errors: kNotFound (no such
  /// project; a project without docs gives an empty list).
  virtual Result<std::vector<Doc>> ListDocs(std::string_view project_id) = 0;
  /// As ListDocs, without content, for the requests that only hash the docs.
  /// Expected errors: kNotFound (no such project).
  virtual Result<std::vector<DocSummary>> ListDocSummaries(std::string_view project_id) = 0;
  /// The docs an export has to push: those whose blob id differs from their base blob id,
  /// or is empty (a row written before blob ids were kept; the core computes it), ordered
  /// by fileName bytewise. The cost follows the answer, not the project's size (an export
  /// of one edited doc in a project of 10,000 must not visit the other 9,999).
  /// Expected errors: kNotFound (no such project).
  virtual Result<std::vector<Doc>> ListDocsToExport(std::string_view project_id) = 0;
  /// The first doc of the project, in fileName order bytewise, other than `file_name`
  /// itself, that would share a path with a doc named `file_name` on a workstation whose
  /// file system folds letter case: a doc whose name equals it once ASCII letters are in
  /// lower case (its case twin), a doc named so like a folder `file_name` sits in, or a doc
  /// inside a folder named so like `file_name` ("a.md" beside "A.md/x.md"). Names equal as
  /// written count too (a doc "a.md" for "a.md/x.md"). No new doc may have such a name.
  /// Other letters are not folded, and a name's folders end at '/' alone ("guides-old.md"
  /// is no doc of a folder "guides"). The store compares its names where they are (no
  /// index on the folded name, which every doc insert, a first import's 10,000 included,
  /// would pay for). Expected errors: kNotFound (no such project).
  virtual Result<std::optional<std::string>> FindPathClash(std::string_view project_id,
                                                           std::string_view file_name) = 0;
  /// Expected errors: kPreconditionFailed ((projectId, fileName) exists).
  virtual Status InsertDoc(const Doc& doc) = 0;
  /// Compare-and-swap: replaces the doc with `doc.id` only if its stored version equals
  /// `expected_version`. A new text comes with a new version (`doc.version` differs): a
  /// store may keep the current version's text in the doc's row alone (the SQL store does
  /// after InsertNewDocs) and records it in that version's row on such a change. Expected
  /// errors: kNotFound, kPreconditionFailed.
  virtual Status UpdateDoc(const Doc& doc, std::int64_t expected_version) = 0;
  /// Deletes the doc and its versions. Expected errors: kNotFound.
  virtual Status DeleteDoc(std::string_view project_id, std::string_view file_name) = 0;
  /// InsertDoc and InsertDocVersion for many new docs, each with its first version, in as
  /// few statements as the store can (a first import writes thousands). A doc whose
  /// (projectId, fileName) is taken is skipped, with its version, and its name returned;
  /// every other one is written. Expected errors: kNotFound (no such project),
  /// kPreconditionFailed (a version id exists; roll back, as some may be written).
  virtual Result<std::vector<std::string>> InsertNewDocs(std::span<const NewDoc> docs) = 0;

  // --- tombstones (synced docs deleted locally; DeleteProject removes them too) -------
  /// Inserts or replaces the tombstone of (projectId, fileName). Expected errors:
  /// kNotFound (no such project).
  virtual Status PutTombstone(const DocTombstone& tombstone) = 0;
  /// The project's tombstones, ordered by fileName bytewise. Expected errors: kNotFound
  /// (no such project).
  virtual Result<std::vector<DocTombstone>> ListTombstones(std::string_view project_id) = 0;
  /// Removes the tombstone of `file_name` and returns it, or nullopt when there was none.
  virtual Result<std::optional<DocTombstone>> TakeTombstone(std::string_view project_id,
                                                            std::string_view file_name) = 0;

  // --- sync conflicts (DeleteProject removes them too) --------------------------------
  /// Inserts or replaces the conflict of (projectId, fileName). Expected errors: kNotFound
  /// (no such project).
  virtual Status PutConflict(const DocConflict& conflict) = 0;
  /// The project's conflicts, ordered by fileName bytewise. Expected errors: kNotFound (no
  /// such project).
  virtual Result<std::vector<DocConflict>> ListConflicts(std::string_view project_id) = 0;
  /// Removes the conflict of `file_name` and returns it, or nullopt when there was none.
  virtual Result<std::optional<DocConflict>> TakeConflict(std::string_view project_id,
                                                          std::string_view file_name) = 0;
  /// Removes every conflict of the project, if any. Expected errors: kNotFound (no such
  /// project).
  virtual Status ClearConflicts(std::string_view project_id) = 0;

  // --- doc versions -------------------------------------------------------------------
  /// Expected errors: kPreconditionFailed ((docId, version) exists).
  virtual Status InsertDocVersion(const DocVersion& version) = 0;
  /// Versions of a doc, newest first, with `content` left empty; empty for an unknown doc.
  virtual Result<std::vector<DocVersion>> ListDocVersions(std::string_view doc_id) = 0;
  /// Expected errors: kNotFound.
  virtual Result<DocVersion> GetDocVersion(std::string_view doc_id, std::int64_t version) = 0;

  // --- locks --------------------------------------------------------------------------
  /// Calls `read` with the stored lock row, live or expired (the core judges expiry with
  /// its Clock), or with nullptr when the project has none, and returns what `read`
  /// returns. The row is valid during that call only (copy what must outlive it): it is
  /// read in place, because copying its strings on every lock and write check cost 17%
  /// of the in-memory lock cycle (docs/performance.md). Sees this transaction's own
  /// PutLock and DeleteLock. Expected errors: kNotFound (no such project), and those of
  /// `read`.
  virtual Status ReadLock(std::string_view project_id, FunctionRef<Status(const Lock*)> read) = 0;
  /// ReadLock's row, copied: nullopt when the project has none. Same errors.
  Result<std::optional<Lock>> GetLock(std::string_view project_id) {
    std::optional<Lock> copy;
    LIBSYNC_RETURN_IF_ERROR(ReadLock(project_id, [&](const Lock* row) {
      if (row) copy = *row;
      return Status::Ok();
    }));
    return copy;
  }
  /// Inserts or replaces the project's lock row.
  virtual Status PutLock(const Lock& lock) = 0;
  /// Removes the project's lock row if any (idempotent).
  virtual Status DeleteLock(std::string_view project_id) = 0;
  /// Increments and returns the project's fence counter. The counter survives lock
  /// deletion, so fences are never reused. Expected errors: kNotFound (no such project).
  virtual Result<std::int64_t> NextFence(std::string_view project_id) = 0;
  /// Lock rows of every project whose expiresAt <= `now`.
  virtual Result<std::vector<Lock>> ListExpiredLocks(Timestamp now) = 0;

  // --- api keys -----------------------------------------------------------------------
  /// Expected errors: kPreconditionFailed (id or key hash exists).
  virtual Status InsertApiKey(const ApiKey& key) = 0;
  /// Expected errors: kNotFound.
  virtual Result<ApiKey> GetApiKey(std::string_view id) = 0;
  /// Looks a key up by the SHA-256 of its plain text. Expected errors: kNotFound.
  virtual Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) = 0;
  /// The project's keys, ordered by creation time then id. Expected errors: kNotFound (no
  /// such project).
  virtual Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) = 0;
  /// Replaces the mutable columns (name, isActive, scope, lastUsedAt, lastPulledHash,
  /// lastPulledAt). Expected errors: kNotFound.
  virtual Status UpdateApiKey(const ApiKey& key) = 0;

  // --- events -------------------------------------------------------------------------
  /// Appends an event with the project's next seq and returns that seq. (The caller
  /// already holds everything else it wrote, so nothing is copied back.) An event appended
  /// before DeleteProject in the same transaction commits with the deletion and goes with
  /// the log. Expected errors: kNotFound (no such project).
  virtual Result<std::int64_t> AppendEvent(std::string_view project_id, std::string_view type,
                                           std::string_view payload, Timestamp at) = 0;
  /// Up to `limit` events with seq > `after_seq`, ascending, with the log's bounds.
  /// Expected errors: kNotFound (no such project).
  virtual Result<EventPage> ReadEvents(std::string_view project_id, std::int64_t after_seq,
                                       std::size_t limit) = 0;
};

enum class TxMode {
  kRead,   ///< reads only; may run concurrently with other transactions
  kWrite,  ///< may write
};

/// Thread-safe: Transact may be called from many threads at once.
class Store {
 public:
  using Work = std::function<Status(Transaction&)>;

  virtual ~Store() = default;

  /// Runs `work` in one transaction: commits when it returns ok, rolls back otherwise
  /// and returns its failure. May run `work` again after a serialization conflict.
  /// Expected errors: those `work` returns, kUnavailable.
  virtual Status Transact(TxMode mode, const Work& work) = 0;

  /// "memory", "sqlite" or "postgresql".
  virtual std::string_view Kind() const noexcept = 0;
};

}  // namespace libsync
