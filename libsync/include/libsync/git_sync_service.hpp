#pragma once
// Import from and export to a project's git branch (docs/git-sync.md).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/caller.hpp"
#include "libsync/ports/git_remote.hpp"
#include "libsync/service_context.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {

struct GitSyncOptions {
  /// File endings imported as docs (compared case-insensitively).
  std::vector<std::string> extensions = {".md", ".mdx", ".markdown"};
  GitAuthor author;
  /// Export attempts when the remote keeps moving between fetch and push.
  int max_push_attempts = 3;
  /// Whether a project may name a repository on this machine's own disk (a path or a
  /// file:// URL). Off by default: whoever can set a project's repoUrl could otherwise read
  /// any repository the process can open, and tell from the errors which paths exist. An
  /// application that embeds libsync and keeps its repositories locally turns it on.
  bool allow_local_remotes = false;
};

struct ImportRequest {
  /// The folder to import: the project's docsPath (the default) or a folder in it
  /// (kInvalidArgument otherwise). Docs are named by their place under the docsPath either
  /// way; deletions are read only inside this folder.
  std::optional<std::string> path;
  bool recursive = true;
  std::optional<std::string> lock_token;  ///< required while the project is locked
  /// Wait for a sync of the project that is already running to end, instead of failing
  /// with kUnavailable: for background imports (GitSyncScheduler), whose threads are their
  /// own, and which must not drop a push that arrived during someone else's sync.
  bool wait_if_running = false;
  /// Set by a background caller that runs the import again as soon as the project's lock
  /// ends (GitSyncScheduler with a LockEndTap). A refusal for the lock is then recorded as
  /// a wait, not a failure: lastImport's result "waiting", lastSyncError untouched, and the
  /// sync:failed event marked {"waitsForLock": true}. With no caller to tell, a failure to
  /// begin (the remote refused, the token not unsealed) is recorded too.
  bool runs_when_unlocked = false;
};

struct SyncConflict {
  std::string file_name;
  std::string reason;
  /// What the repository holds for the file, so a reader can show it beside the local
  /// text: its blob id and text, both empty when the repository has no usable text for it
  /// (deleted there, an invalid name, not UTF-8 within the size limit).
  std::string remote_blob_id;
  std::optional<std::string> remote_content;
  /// The blob last synced (empty when never synced) and its text, where known: what a
  /// reader needs for a three-way view. Not in the HTTP report; GET …/conflicts has them.
  std::string base_blob_id;
  std::optional<std::string> base_content;
  /// The repository deleted the file (remote_blob_id is then empty; the stored conflict
  /// names kNoBlobId, which a resolving write quotes).
  bool deleted_remotely = false;
};

struct ImportReport {
  std::string commit;  ///< the remote head imported; empty when the branch does not exist
  std::vector<std::string> imported;   ///< new docs
  std::vector<std::string> updated;    ///< remote changes applied (merged where both changed)
  std::vector<std::string> unchanged;
  std::vector<std::string> deleted;    ///< deleted remotely, unchanged locally
  std::vector<SyncConflict> conflicts; ///< local text kept
  /// Files of the repository that no doc may be named after (ValidateFileName): left
  /// alone on both sides, reported here with the reason; they do not block an export.
  std::vector<SyncConflict> skipped;
};

struct ExportRequest {
  std::optional<std::string> file_name;  ///< one doc; default every changed doc
  std::optional<std::string> lock_token;
};

struct ExportReport {
  std::string commit;               ///< the pushed commit, or the remote head if nothing changed
  std::vector<std::string> pushed;  ///< docs in the commit
  std::vector<std::string> deleted; ///< docs deleted here whose files the commit deletes
  int attempts = 0;                 ///< 1 unless the remote moved meanwhile
};

/// Thread-safe. Needs the admin or a write key of the project.
///
/// Before any network access every sync checks, in this order: the caller's access, the
/// project, the remote URL (a local one needs `allow_local_remotes`; a token is never sent
/// over plain http://, both kInvalidArgument), the project's lock (kLocked without the
/// live lock's token), and that no other sync of the project is running (kUnavailable):
/// one project's syncs never hold more than one of the caller's threads, so a remote that
/// hangs delays only its own project.
class GitSyncService {
 public:
  GitSyncService(const ServiceContext& ctx, GitRemote& remote, GitSyncOptions options = {})
      : ctx_(ctx), remote_(remote), options_(std::move(options)) {}

  /// Fetches the branch once and brings every changed file in: remote-only changes become
  /// new versions (source "git"), changes on both sides are merged three-way with the last
  /// synced blob as base, conflicts keep the local text, remote deletions of unchanged
  /// docs delete them. A file whose doc was deleted here (a tombstone) is left for the
  /// next export to delete, or is a conflict if it changed there since the last sync; a
  /// tombstone whose file the repository deleted too is dropped. Unchanged files cost a
  /// tree entry, nothing more. An import of the whole docsPath replaces the project's
  /// stored conflicts (DocService::Conflicts) with its own; a narrower one adds its own.
  /// Expected errors: kNotFound, kInvalidArgument (remote URL refused), kLocked,
  /// kUnavailable (remote unreachable, or a sync of the project already running),
  /// kDeadlineExceeded (the remote stopped answering; nothing applied), kPermissionDenied.
  Result<ImportReport> Import(const Caller& caller, std::string_view project_id, const ImportRequest& request);

  /// Every import and export that begins (the remote URL allowed) and fails, the lock
  /// check included, is recorded on the project (lastImport or lastExport with result
  /// "failed" or, for an export refused for conflicts, "conflicts"; lastSyncError, its
  /// words withheld when they come from the store or libgit2) and announced as sync:failed
  /// {direction, code, error}. One that succeeds records lastImport / lastExport with its
  /// commit and result "ok" (an import with conflicts: "conflicts").
  ///
  /// Imports first, then writes one commit with every doc that differs from the remote,
  /// and the deletion of every file whose doc was deleted here since the last sync
  /// (tombstones), and pushes it, never forcing; if the remote moved meanwhile it imports
  /// and tries again. A named file that is no doc but a tombstone exports its deletion.
  /// Expected errors: as Import, and kPreconditionFailed (conflicts to resolve first, or
  /// the remote kept moving).
  Result<ExportReport> Export(const Caller& caller, std::string_view project_id, const ExportRequest& request);

  /// The remote branch's head and whether it moved from the commit the project last
  /// synced with.
  struct HeadCheck {
    std::string head;  ///< empty when the branch does not exist
    bool moved = false;
  };
  /// For polling: asks the remote for the branch head by a ref listing (GitRemote::
  /// RemoteHead), which moves no objects, so an unchanged remote costs one round trip.
  /// Same access and URL checks as Import; no sync slot (it writes nothing).
  /// Expected errors: as Import's before the network, and RemoteHead's.
  Result<HeadCheck> CheckHead(const Caller& caller, std::string_view project_id);

  /// A deleted project's copy of its repository goes (GitRemote::Forget). Called by the
  /// GitSyncScheduler when it hears of the deletion; needs no caller, since the project
  /// and its rights are gone.
  Status ForgetDeletedProject(std::string_view project_id);

  enum class SyncDirection : std::uint8_t { kImport, kExport };
  /// kWaiting: an import refused for the lock that runs when it ends (runs_when_unlocked).
  enum class SyncResult : std::uint8_t { kOk, kConflicts, kFailed, kWaiting };
  static constexpr std::size_t kSyncResults = 4;
  /// Syncs this service ran since it started, by direction and result (for /metrics);
  /// those refused before they began (access, a URL refused, already running) not counted.
  struct SyncCounts {
    std::uint64_t syncs[2][kSyncResults] = {};  ///< [SyncDirection][SyncResult]
  };
  SyncCounts counts() const;

 private:
  class SyncSlot;

  void Count(SyncDirection direction, SyncResult result);
  /// Records a sync that failed once it had begun (the project's lastImport or lastExport,
  /// lastSyncError, a sync:failed event) and returns `failure`. `runs_when_unlocked`: an
  /// import refused for the lock is recorded as waiting for it (ImportRequest).
  Status Failed(std::string_view project_id, SyncDirection direction, const Status& failure,
                bool runs_when_unlocked = false);

  const ServiceContext& ctx_;
  GitRemote& remote_;
  GitSyncOptions options_;
  Mutex running_mutex_;
  std::set<std::string, std::less<>> running_ LIBSYNC_GUARDED_BY(running_mutex_);  ///< projects with a sync in progress
  std::condition_variable_any slot_freed_;  ///< a project left running_
  std::atomic<std::uint64_t> counts_[2][kSyncResults] = {};
};

}  // namespace libsync
