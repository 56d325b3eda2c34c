#pragma once
// DocService: the documents of a project, with their versions and history (docs/semantics.md,
// "Versioning"), and the conditions a write must meet (WriteGuard).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/caller.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

/// Conditions a write must meet.
struct WriteGuard {
  /// The version the writer last saw (from the ETag or `baseVersion`); 0 means "the doc
  /// must not exist yet". A mismatch fails with kPreconditionFailed.
  std::optional<std::int64_t> expected_version;
  /// The caller's lock token. Required while the project is locked; a token that is not
  /// the live lock's (expired, released or superseded) is refused with kLocked.
  std::optional<std::string> lock_token;
  /// The doc must exist, at any version (HTTP `If-Match: *`); when it does not, the write
  /// fails with kPreconditionFailed.
  bool must_exist = false;
  /// Put only: the write resolves the doc's sync conflict (DocService::Conflicts) whose
  /// repository side is this blob id, and records that blob as the doc's base, so the next
  /// import takes the repository as settled and the next export pushes this text. No such
  /// conflict (another blob, or none) fails with kPreconditionFailed.
  std::optional<std::string> resolves;
};

/// A sync conflict with the doc's side of it: the doc as it is now, or nullopt when it
/// was deleted here.
struct ConflictView {
  DocConflict conflict;
  std::optional<Doc> local;
};

struct DocWriteResult {
  Doc doc;
  bool created = false;  ///< the doc did not exist before
  bool changed = false;  ///< false for a no-op write (same content hash)
};

/// Documents with versions and history. Reads need any access to the project; writes
/// need the admin or a write key. Thread-safe.
class DocService {
 public:
  explicit DocService(const ServiceContext& ctx) : ctx_(ctx) {}

  /// Expected errors: kNotFound (project).
  Result<std::vector<Doc>> List(const Caller& caller, std::string_view project_id);
  /// As List, without content (the web app's doc list, one page of it, and its docs
  /// count): the store reads no doc text. Expected errors: kNotFound (project).
  Result<std::vector<DocSummary>> ListSummaries(const Caller& caller, std::string_view project_id);
  /// Expected errors: kNotFound, kInvalidArgument (fileName).
  Result<Doc> Get(const Caller& caller, std::string_view project_id, std::string_view file_name);
  /// A shortcut kept for speed (docs/performance.md, "the one-transaction doc GET"):
  /// KeyService::Authenticate then Get, with the key checked (lastUsedAt included) in the
  /// same read transaction as the doc, so the store is visited once and one snapshot
  /// answers both. Same answers as the two calls; prefer them unless a route serves
  /// nothing else. Expected errors: kUnauthenticated, and Get's.
  Result<Doc> GetWithKeyInOneTransaction(std::string_view plain_key, std::string_view project_id,
                                         std::string_view file_name);

  /// Creates or updates a doc. Same content as now is a no-op that keeps the version.
  /// `source` is what the history records: kApi or kWeb (the service writes kGit and
  /// kRevert itself; either here is kInvalidArgument).
  /// Expected errors: kNotFound, kInvalidArgument, kTooLarge, kLocked, kPreconditionFailed,
  /// kPermissionDenied.
  Result<DocWriteResult> Put(const Caller& caller, std::string_view project_id,
                             std::string_view file_name, std::string_view content,
                             const WriteGuard& guard = {}, VersionSource source = VersionSource::kApi);

  /// Deletes a doc and its history. A doc synced with git before leaves a tombstone, so
  /// the next export deletes its file (GitSyncService). Expected errors: kNotFound,
  /// kLocked, kPreconditionFailed, kPermissionDenied.
  Status Delete(const Caller& caller, std::string_view project_id, std::string_view file_name,
                const WriteGuard& guard = {});

  /// The conflicts the last import left (GitSyncService::Import), each with the base and
  /// repository texts it recorded and the doc's text now, ordered by fileName.
  /// Expected errors: kNotFound (project).
  Result<std::vector<ConflictView>> Conflicts(const Caller& caller, std::string_view project_id);

  /// Every version, newest first, without content. Expected errors: kNotFound.
  Result<std::vector<DocVersion>> History(const Caller& caller, std::string_view project_id,
                                          std::string_view file_name);
  /// One version with its content. Expected errors: kNotFound.
  Result<DocVersion> Version(const Caller& caller, std::string_view project_id,
                             std::string_view file_name, std::int64_t version);

  /// Writes version `version`'s content as a new version (source "revert").
  /// Expected errors: as Put, and kNotFound for an unknown version.
  Result<DocWriteResult> Revert(const Caller& caller, std::string_view project_id,
                                std::string_view file_name, std::int64_t version,
                                const WriteGuard& guard = {});

 private:
  const ServiceContext& ctx_;
};

}  // namespace libsync
