#include "libsync/git_sync_service.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "access.hpp"
#include "case_twins.hpp"
#include "doc_writes.hpp"
#include "json_writer.hpp"
#include "libsync/hashing.hpp"
#include "libsync/remote_url.hpp"
#include "libsync/validation.hpp"
#include "lock_rules.hpp"
#include "repo_url_secret.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

using detail::EventBatch;

/// What a sync needs to talk to the remote: the project and the decrypted token.
struct Remote {
  Project project;
  GitTarget target;
  std::string dir;     ///< the docsPath: the docs folder in the repository, "" for the root
  std::string folder;  ///< the folder of it an import lists (its `path`), "" for all of it
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsDocFile(std::string_view name, const std::vector<std::string>& extensions) {
  const std::string lower = Lower(name);
  return std::any_of(extensions.begin(), extensions.end(), [&](const std::string& ext) {
    const std::string e = Lower(ext);
    return lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0;
  });
}

/// Whether a doc of this name is synced with git at all: a name the import reads (one of
/// the server's endings) and one a doc may have now (a database may hold older names).
bool Synced(const std::string& name, const GitSyncOptions& options) {
  return IsDocFile(name, options.extensions) && ValidateFileName(name).ok();
}

/// A doc's git blob id: stored with it, or computed for a row written before they were.
std::string BlobOf(const Doc& doc) { return doc.blob_oid.empty() ? GitBlobId(doc.content) : doc.blob_oid; }

/// `file` under the folder `dir`; either may be "" (the repository's top, no name).
std::string JoinPath(const std::string& dir, const std::string& file) {
  if (dir.empty()) return file;
  return file.empty() ? dir : dir + "/" + file;
}

// Checked before anything touches the network or the disk, so a refused URL gets the same
// answer whether or not such a path exists.
Status CheckRemoteAllowed(const Project& project, const GitSyncOptions& options) {
  const RemoteKind kind = KindOfRemote(project.repo_url);
  if (kind == RemoteKind::kLocal && !options.allow_local_remotes) {
    return Status::InvalidArgument(
        "the project's repoUrl names a repository on the server's own disk (a path or file:// URL), and local "
        "remotes are turned off on this server; use a network URL (https://, ssh://)");
  }
  if (kind == RemoteKind::kPlainHttp && !project.token.empty()) {
    return Status::InvalidArgument(
        "refusing to send the project's git token over plain http://, where anyone on the way can read it; use "
        "an https:// repoUrl, or remove the token");
  }
  if (kind == RemoteKind::kPlainHttp && !RemoteUrlSecret(project.repo_url).empty()) {
    return Status::InvalidArgument(
        "refusing to send the credentials in the project's repoUrl over plain http://, where anyone on the way "
        "can read them; use an https:// repoUrl, or one without user name and password");
  }
  return Status::Ok();
}

/// An import's `path` as a folder of the docsPath `dir`, relative to it ("" for all of it).
/// Every doc is named by its file's place under the docsPath, whatever folder an import
/// lists: a file named relative to another folder would land on the doc of another file
/// (`docs/sub/a.md` on `docs/a.md`, merged with its edits against the other file's base).
/// So a folder outside the docsPath is refused; the project's docsPath is what moves the
/// docs to another folder.
Result<std::string> FolderOfTheDocsPath(const std::string& path, const std::string& dir) {
  LIBSYNC_RETURN_IF_ERROR(ValidateDocsPath(path, "path"));
  if (path == dir) return std::string();
  if (dir.empty()) return path;
  if (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/') return path.substr(dir.size() + 1);
  return Status::InvalidArgument("path '" + path + "' is not the project's docsPath ('" + dir +
                                 "') or a folder in it: docs are named by their place under the docsPath "
                                 "(change the project's docsPath to sync another folder)");
}

Result<Remote> OpenRemote(const ServiceContext& ctx, const GitSyncOptions& options, const Caller& caller,
                          std::string_view project_id, const std::optional<std::string>& path) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kWrite));
  Remote r;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(r.project, tx.GetProject(project_id));
    return Status::Ok();
  }));
  r.dir = NormalizeDocsPath(r.project.docs_path);
  LIBSYNC_RETURN_IF_ERROR(ValidateDocsPath(r.dir));
  if (path) {
    LIBSYNC_ASSIGN_OR_RETURN(r.folder, FolderOfTheDocsPath(NormalizeDocsPath(*path), r.dir));
  }
  LIBSYNC_RETURN_IF_ERROR(CheckRemoteAllowed(r.project, options));
  std::string token;
  if (!r.project.token.empty()) {
    auto opened = ctx.secrets.Open(r.project.token, r.project.id);
    if (!opened) {
      return Status::InvalidArgument("the project's stored git token cannot be decrypted (" +
                                     opened.error().message() + "); set the token again");
    }
    token = std::move(opened).value();
  }
  LIBSYNC_ASSIGN_OR_RETURN(std::string url, detail::OpenRepoUrl(ctx.secrets, r.project));
  r.target = GitTarget{r.project.id, std::move(url), r.project.branch, std::move(token)};
  return r;
}

// A sync that could not apply anything while the project is locked must not wait on the
// remote first; the write transaction checks the lock again when it applies.
Status CheckLockBeforeNetwork(const ServiceContext& ctx, std::string_view project_id,
                              const std::optional<std::string>& lock_token) {
  return detail::RunRead(ctx, [&](Transaction& tx) {
    return detail::CheckWriteAllowed(tx, project_id, ctx.clock.Now(), lock_token);
  });
}

/// New docs an import hands the store at once: enough to make a statement's cost small
/// beside its rows', few enough that a batch's copy of their texts stays small (docs may
/// be up to the size limit each, 1 MiB by default: the byte bound comes first then).
constexpr std::size_t kNewDocsPerBatch = 256;
constexpr std::size_t kNewDocBytesPerBatch = 8 * 1024 * 1024;

/// One planned change of a doc, decided outside the transaction and applied inside it
/// only if the doc is still at the version the plan saw.
struct Change {
  /// kDropTombstone: a doc deleted here whose file the repository deleted too; nothing
  /// is left to push.
  /// kForgetBase: a doc synced with another remote, branch or docsPath and missing from
  /// this one: a new file here, which the next export adds.
  enum Kind { kCreate, kUpdate, kRecordBase, kDelete, kDropTombstone, kForgetBase } kind;
  std::string file_name;
  std::int64_t seen_version = 0;  // 0 for kCreate
  std::string content;
  std::string blob;
  /// `content` is the text of `blob` as read (not a merge of it), so its blob id is known.
  bool content_is_blob = false;
  /// kCreate: the content's hash, computed with its check (CheckNewTexts).
  std::string hash = {};
  /// The doc's base and blob ids as planned from: with its version, what must still hold
  /// when the change is applied. The version alone misses a doc deleted and written again
  /// (it starts again at 1) and a resolving write (it moves the base, not the version).
  std::string seen_base = {};
  std::string seen_blob = {};
};

/// Whether a doc is still as `c` was planned from: its version, base and blob ids.
bool AsPlanned(const Change& c, std::int64_t version, std::string_view base, std::string_view blob) {
  return version == c.seen_version && base == c.seen_base && blob == c.seen_blob;
}

/// The names of `docs` that stay once `plan` is applied: all but those a planned deletion
/// removes. `read_since_the_plan`: the docs as they are now, of which a planned deletion
/// removes only a doc still as planned (the apply's own check); else the listing the plan
/// was made from, of which it removes every one.
std::set<std::string, std::less<>> NamesThatStay(const std::vector<DocSummary>& docs, const std::vector<Change>& plan,
                                                 bool read_since_the_plan) {
  std::map<std::string_view, const Change*> deletions;
  for (const Change& c : plan) {
    if (c.kind == Change::kDelete) deletions.emplace(c.file_name, &c);
  }
  std::set<std::string, std::less<>> staying;
  for (const DocSummary& d : docs) {
    const auto deletion = deletions.find(d.file_name);
    // A row from before blob ids has none to compare (the apply computes it from the text):
    // its version and base tell whether it changed.
    const auto as_planned = [&](const Change& c) {
      return AsPlanned(c, d.version, d.base_blob_oid, d.blob_oid.empty() ? c.seen_blob : d.blob_oid);
    };
    const bool goes = deletion != deletions.end() && (!read_since_the_plan || as_planned(*deletion->second));
    if (!goes) staying.insert(d.file_name);
  }
  return staying;
}

/// The planned new files that would share a path (case_twins.hpp) with a doc that stays
/// or with a new file planned before them: a case twin, a file named like a folder of the
/// other or one whose folder is named like the other, as written or in another case. Each
/// is the conflict to report instead of the file. A clash with a file the repository also
/// holds (`remote_files`: a new file planned before it, or a doc synced with it) goes to
/// `skipped` when given (else it is a conflict too): only the repository can settle that,
/// so it blocks no export, as a file no doc may be named after does not.
std::vector<SyncConflict> NameClashes(const std::vector<Change>& plan, const std::set<std::string, std::less<>>& staying,
                                      const std::map<std::string, std::string>& remote_files,
                                      std::vector<SyncConflict>* skipped = nullptr) {
  struct Holder {
    std::string_view name;
    bool in_repository;
  };
  // The staying docs and the new files kept so far, by folded name; ordered, so that the
  // names inside a folder are one range.
  std::map<std::string, Holder, std::less<>> by_folded;
  for (const std::string& name : staying) {
    by_folded.emplace(detail::FoldedName(name), Holder{name, remote_files.count(name) > 0});
  }
  // What a new file (folded) meets: a doc or kept file named like one of its folders, its
  // case twin, or those inside a folder named like it. Several may (folders that differ
  // only in case are one folder); one the repository does not hold is named first, since
  // beside it the file is a conflict whatever else it meets.
  const auto met_by = [&](const Change& c, const std::string& folded) -> const Holder* {
    const Holder* first = nullptr;
    const auto here = [&](const Holder& h) {
      if (!first) first = &h;
      return !h.in_repository;
    };
    for (std::size_t slash = folded.find('/'); slash != std::string::npos; slash = folded.find('/', slash + 1)) {
      auto it = by_folded.find(std::string_view(folded).substr(0, slash));
      if (it != by_folded.end() && here(it->second)) return &it->second;
    }
    if (auto it = by_folded.find(folded); it != by_folded.end()) {
      if (it->second.name == c.file_name || here(it->second)) return &it->second;
    }
    const std::string folder = folded + '/';
    for (auto it = by_folded.lower_bound(folder); it != by_folded.end() && it->first.starts_with(folder); ++it) {
      if (here(it->second)) return &it->second;
    }
    return first;
  };
  std::vector<SyncConflict> clashes;
  for (const Change& c : plan) {
    if (c.kind != Change::kCreate) continue;
    std::string folded = detail::FoldedName(c.file_name);
    const Holder* other = met_by(c, folded);
    if (!other) {
      by_folded.emplace(std::move(folded), Holder{c.file_name, true});
      continue;
    }
    // The same name is a doc written since the plan: the insert finds it, not this.
    if (other->name == c.file_name) continue;
    std::string reason = detail::PathClashReason(c.file_name, other->name);
    if (other->in_repository && skipped) {
      skipped->push_back({c.file_name, reason + "; the repository holds both, and only it can give one up"});
      continue;
    }
    clashes.push_back({c.file_name, std::move(reason), c.blob, c.content});
  }
  return clashes;
}

constexpr const char* kNotText = "the remote file is not UTF-8 text within the size limit";

/// A new file's text, whether it may be a doc's content, and then its hash.
struct CheckedText {
  std::string text;
  bool ok = false;
  std::string hash;
};

/// Checks each new text (UTF-8, size) and hashes those that pass: after reading the blobs,
/// the import's work per file outside the database. Many texts (a first import) are shared
/// with a second thread.
std::vector<CheckedText> CheckNewTexts(const ServiceContext& ctx, std::vector<std::optional<std::string>> texts) {
  std::vector<CheckedText> out(texts.size());
  const auto check = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      if (!texts[i]) continue;  // over the size limit, not read
      out[i].ok = detail::CheckContent(ctx, *texts[i]).ok();
      if (out[i].ok) out[i].hash = Sha256Hex(*texts[i]);
      out[i].text = std::move(*texts[i]);
    }
  };
  constexpr std::size_t kOneThread = 256;  // below this a thread costs more than it saves
  if (texts.size() < kOneThread) {
    check(0, texts.size());
    return out;
  }
  const std::size_t half = texts.size() / 2;
  auto second = std::async(std::launch::async, check, half, texts.size());
  check(0, half);
  second.get();
  return out;
}

Result<Doc> ReadDoc(const ServiceContext& ctx, std::string_view project_id, const std::string& name) {
  std::optional<Doc> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.GetDoc(project_id, name));
    return Status::Ok();
  }));
  return std::move(*out);
}

/// Project::clean_sync_mark for the store matching `commit`'s tree exactly, as far as a
/// sync of `r` sees it: the commit, and a digest of what decides which files a whole
/// import takes (remote, branch, docsPath, the server's file endings). A project update
/// that changes any of them, or a server started with other endings, leaves a mark that
/// no longer matches, so nothing else has to remember to clear it.
std::string CleanSyncMark(const Remote& r, const GitSyncOptions& options, const std::string& commit) {
  std::string scope = SyncPlaceOf(r.project);
  for (const auto& ext : options.extensions) scope += '\n' + Lower(ext);
  return commit + ' ' + Sha256Hex(scope).substr(0, 16);
}

constexpr const char* kChangedMeanwhile = "changed locally during the import; run it again";

/// A sync that found, as it was about to record itself, that another sync or a settings
/// change came first: a 503 to run it again, but no failure of the project's sync to record
/// over what came first (GitSyncService::Failed).
Status Overtaken(std::string message) {
  return Status(ErrorCode::kUnavailable, std::move(message), {{"overtaken", "true"}});
}

/// The project's record of an applied import: the commit it is synced with, how the
/// import ended, and the clean-sync mark (kept, set or cleared; see RunImport).
/// `whole`: the import took every file of the docsPath. Only such an import, and one
/// that left no doc to run again for, is synced with its commit: polling compares the
/// branch head with that commit, so a narrower one would hide the rest of the commit's
/// changes until the branch moved again.
/// `synced_as`, `synced_before`: the project as the import read its settings, and its
/// lastSyncedCommit when the import started. Refused, and the whole import with it, when
/// either moved meanwhile: settings changed to another place (this import read the old
/// one, and would mark the new place synced with a commit of the old), or another
/// server's sync applied a commit, maybe newer, which this one would take back.
Status RecordImport(Transaction& tx, std::string_view project_id, const ImportReport& report, Timestamp now,
                    const std::string& mark, const std::string& mark_seen, bool whole,
                    const Project& synced_as, const std::string& synced_before) {
  LIBSYNC_ASSIGN_OR_RETURN(auto project, tx.GetProject(project_id));
  if (SyncPlaceOf(project) != SyncPlaceOf(synced_as) || project.last_synced_commit != synced_before) {
    return Overtaken("the project's sync state changed while this import ran (another server's sync, or its git "
                     "settings); run it again");
  }
  const bool run_again = std::any_of(report.conflicts.begin(), report.conflicts.end(),
                                     [](const SyncConflict& c) { return c.reason == kChangedMeanwhile; });
  if (!report.commit.empty() && whole && !run_again) {
    project.last_synced_commit = report.commit;
    project.synced_at = now;
  }
  project.last_import = {now, report.commit, report.conflicts.empty() ? "ok" : "conflicts"};
  // Compare-and-set: a skipped walk relied on the mark read before; if another server's
  // sync changed it meanwhile, no state is known any more.
  project.clean_sync_mark = (!mark.empty() && (mark_seen.empty() || project.clean_sync_mark == mark_seen))
                                ? mark
                                : std::string();
  return tx.UpdateProject(project);
}

/// What a failed sync may tell every reader of the project (the status and sync:failed go
/// to read keys too): the words of the failure, unless they came from below a port (a
/// store's or libgit2's own text may name hosts, paths, users), as the HTTP errors do.
std::string PublicMessage(const Status& failure) {
  if (failure.code() == ErrorCode::kInternal) return "internal error";
  const std::string& origin = failure.origin();
  if (failure.http_status() < 500 || origin.empty()) return failure.message();
  if (origin.starts_with("git2/")) {
    const char c = origin.size() > 5 ? origin[5] : ' ';
    if (c == '-' || (c >= '0' && c <= '9')) return "the git remote could not be reached";
    return failure.message();  // the adapter's own words (a time-out, a shutdown)
  }
  return "the database could not be reached";
}

/// The repository's text for a conflict report, when it is text the store would accept.
std::optional<std::string> RemoteText(const ServiceContext& ctx, std::optional<std::string> text) {
  if (!text || !detail::CheckContent(ctx, *text).ok()) return std::nullopt;
  return text;
}

/// A repository file's text, or nullopt when it is larger than a doc may be: such a blob is
/// not read at all (a small repository can hold blobs of gigabytes of zeros).
Result<std::optional<std::string>> ReadText(const ServiceContext& ctx, GitRemote& remote, const GitTarget& target,
                                            const std::string& blob) {
  auto text = remote.ReadBlob(target, blob, ctx.options.max_doc_bytes);
  if (text) return std::optional<std::string>(std::move(text).value());
  if (text.error().code() == ErrorCode::kTooLarge) return std::optional<std::string>();
  return text.error();
}

/// The text of the blob last synced, for a conflict's three-way view. Best effort: a
/// blob the cache no longer holds leaves the view without it, and the import goes on.
std::optional<std::string> BaseText(const ServiceContext& ctx, GitRemote& remote, const GitTarget& target,
                                    const std::string& blob) {
  if (blob.empty()) return std::nullopt;
  auto text = ReadText(ctx, remote, target, blob);
  if (!text) return std::nullopt;
  return RemoteText(ctx, std::move(text).value());
}

/// A conflict of the report as the store keeps it.
DocConflict Stored(std::string_view project_id, const std::string& commit, const SyncConflict& c, Timestamp now) {
  return DocConflict{std::string(project_id), c.file_name,      c.reason,
                     commit,                  c.base_blob_id,   c.deleted_remotely ? std::string(kNoBlobId) : c.remote_blob_id,
                     c.base_content,          c.remote_content, now};
}

/// The docs an export looks at, and the tombstones it turns into deletions: all of
/// them, or those of the one named file (a doc, or else a tombstone; kNotFound if neither).
/// `new_branch`: the branch has no commit yet, so its first one must hold every doc (a
/// commit of the changed ones alone would read, at the next import, as every other file
/// deleted there); each doc is read, whatever its base, and the tombstones name no file.
Status ReadWhatToExport(Transaction& tx, std::string_view project_id, const std::optional<std::string>& file_name,
                        bool new_branch, std::vector<Doc>& docs, std::vector<DocTombstone>& tombstones) {
  docs.clear();
  tombstones.clear();
  if (new_branch) {
    LIBSYNC_ASSIGN_OR_RETURN(docs, tx.ListDocs(project_id));
    LIBSYNC_ASSIGN_OR_RETURN(tombstones, tx.ListTombstones(project_id));
    return Status::Ok();
  }
  if (!file_name) {
    // Only the docs whose stored blob id differs from their base, found by the store
    // without visiting the rest: the cost follows the change, not the project's size.
    LIBSYNC_ASSIGN_OR_RETURN(docs, tx.ListDocsToExport(project_id));
    LIBSYNC_ASSIGN_OR_RETURN(tombstones, tx.ListTombstones(project_id));
    return Status::Ok();
  }
  LIBSYNC_ASSIGN_OR_RETURN(auto doc, detail::FindDoc(tx, project_id, *file_name));
  if (doc) {
    docs.push_back(std::move(*doc));
    return Status::Ok();
  }
  LIBSYNC_ASSIGN_OR_RETURN(auto all, tx.ListTombstones(project_id));
  for (auto& t : all) {
    if (t.file_name == *file_name) tombstones.push_back(std::move(t));
  }
  if (tombstones.empty()) return Status::NotFound("doc '" + *file_name + "' not found");
  return Status::Ok();
}

/// "libsync: update a.md b.md, delete c.md", naming at most five files.
std::string CommitMessage(const ExportReport& report, const std::string& by) {
  std::string message = "libsync:";
  std::size_t named = 0;
  const auto name_some = [&](const char* verb, const std::vector<std::string>& names) {
    if (names.empty() || named == 5) return;
    message += (named == 0 ? " " : ", ") + std::string(verb);
    for (const auto& name : names) {
      if (named == 5) break;
      message += " " + name;
      ++named;
    }
  };
  name_some("update", report.pushed);
  name_some("delete", report.deleted);
  const std::size_t total = report.pushed.size() + report.deleted.size();
  if (total > named) message += " and " + std::to_string(total - named) + " more";
  return message + "\n\nExported by " + by + ".\n";
}

/// The import itself, once every check has passed and the project's sync slot is held.
/// `may_skip_walk`: an export's import, which needs no report of unchanged files, may skip
/// the tree walk when the project's clean-sync mark says it would find nothing.
Result<ImportReport> RunImport(const ServiceContext& ctx, GitRemote& remote, const GitSyncOptions& options,
                               const Remote& r, std::string_view project_id, const ImportRequest& request,
                               bool may_skip_walk = false, bool export_follows = false) {
  ImportReport report;
  // What the project is synced with as the import starts, read fresh (an export's retry
  // runs after its own import moved it); RecordImport checks it still holds. In the same
  // read, what may let an export's import skip the walk (below): the clean-sync mark, and
  // whether any conflict is stored.
  std::string synced_before;
  std::string mark_stored;
  bool conflicts_stored = false;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto project, tx.GetProject(project_id));
    synced_before = std::move(project.last_synced_commit);
    mark_stored = std::move(project.clean_sync_mark);
    if (may_skip_walk) {
      LIBSYNC_ASSIGN_OR_RETURN(auto stored, tx.ListConflicts(project_id));
      conflicts_stored = !stored.empty();
    }
    return Status::Ok();
  }));
  // The project has no commit of this remote, branch and docsPath yet (its settings
  // changed since the docs' bases were recorded, ProjectService::Update, or it never
  // synced): a doc's base names a blob of another place, so the doc is read as never
  // synced here, and a synced doc missing here was never here, not deleted here.
  const bool rescoped = synced_before.empty();
  LIBSYNC_ASSIGN_OR_RETURN(report.commit, remote.Fetch(r.target));

  // An import of one folder of the docsPath (`path`) says nothing about the files outside it.
  const bool docs_path_listed = r.folder.empty();
  // Only a whole import can vouch for every file (and it replaces the stored conflicts).
  const std::string mark =
      docs_path_listed && request.recursive && !report.commit.empty() ? CleanSyncMark(r, options, report.commit) : "";

  // Skipping the walk (and the listing of every doc and tombstone) is safe when the head is
  // the commit of the project's clean-sync mark: the last whole import at that commit ended
  // with no conflict at all, so every doc file of its tree had a doc or tombstone whose base
  // is the file's blob and every doc with a base had its file; an import now would change
  // nothing and find no conflict. What could make that untrue, and why it cannot here:
  //  * The tree: the head is that very commit. Another remote, branch, docsPath or set of
  //    file endings gives another mark (CleanSyncMark), so a project update needs no hook.
  //  * A narrower import (one file, one folder, not recursive), an import with any
  //    conflict, one that found a doc changed under it, one that left a new file alone
  //    for its text (no doc has that file): RecordImport clears the mark.
  //  * A failed import: its write transaction rolled back, so the docs are as the mark
  //    describes them and it stays.
  //  * Local writes move a doc's text, never its base: an edit is an export's to push,
  //    as after a walk. A delete leaves a tombstone at the base (the walk would skip its
  //    file too), and a doc written again under that name takes the tombstone's base.
  //  * A resolving write (`resolves`) sets a base, but needs a stored conflict, and while
  //    the mark is set none can exist: a whole clean import cleared them and only imports
  //    (which clear the mark when they raise one) store them. Still, any stored conflict
  //    makes the walk run, so the export refuses exactly as it would after a walk.
  //  * An export: it marks the commit it pushed only when it built it on a marked state
  //    and recorded every pushed base and deletion (RunExport); else the mark is cleared.
  //  * Another server's sync meanwhile: RecordImport sets the mark only if it is still
  //    the one read as this import started.
  const bool walk = !(may_skip_walk && !mark.empty() && mark_stored == mark && !conflicts_stored);

  std::map<std::string, std::string> remote_files;  // fileName -> blob id
  if (walk && !report.commit.empty()) {
    LIBSYNC_ASSIGN_OR_RETURN(auto files,
                             remote.ListTree(r.target, report.commit, JoinPath(r.dir, r.folder), request.recursive));
    for (auto& f : files) {
      f.path = JoinPath(r.folder, f.path);
      if (!IsDocFile(f.path, options.extensions)) continue;
      if (f.not_a_file) {
        report.skipped.push_back({f.path, "a symbolic link or submodule in the repository, not a file; left alone"});
        continue;
      }
      if (Status name = ValidateFileName(f.path); !name.ok()) {
        report.skipped.push_back({f.path, "not a valid document name: " + name.message()});
        continue;
      }
      remote_files.emplace(std::move(f.path), std::move(f.blob_id));
    }
  }
  std::vector<DocSummary> local;
  std::vector<DocTombstone> tombstones;
  // The project's last event as the docs were listed: any doc written since moved it.
  std::int64_t listed_seq = 0;
  if (walk) {
    LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx, [&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(local, tx.ListDocSummaries(project_id));
      LIBSYNC_ASSIGN_OR_RETURN(tombstones, tx.ListTombstones(project_id));
      LIBSYNC_ASSIGN_OR_RETURN(EventPage head, tx.ReadEvents(project_id, 0, 0));
      listed_seq = head.head_seq;
      return Status::Ok();
    }));
  }
  std::map<std::string, const DocSummary*> by_name;
  for (const auto& d : local) by_name.emplace(d.file_name, &d);
  std::map<std::string, const DocTombstone*> deleted_here;
  for (const auto& t : tombstones) deleted_here.emplace(t.file_name, &t);

  // New files (most of a first import) are read in one call, which the adapter may spread
  // over several threads; the loop below takes each one's text by its name.
  std::vector<std::string_view> new_names;
  std::vector<std::string> new_blobs;
  for (const auto& [name, blob] : remote_files) {
    if (by_name.count(name) || deleted_here.count(name)) continue;
    new_names.push_back(name);
    new_blobs.push_back(blob);
  }
  LIBSYNC_ASSIGN_OR_RETURN(auto texts, remote.ReadBlobs(r.target, new_blobs, ctx.options.max_doc_bytes));
  std::vector<CheckedText> checked = CheckNewTexts(ctx, std::move(texts));
  std::unordered_map<std::string_view, CheckedText> new_texts;
  for (std::size_t i = 0; i < new_names.size(); ++i) new_texts.emplace(new_names[i], std::move(checked[i]));

  // Plan: only files whose blob differs from what was last synced are read at all.
  std::vector<Change> plan;
  // A doc file left alone for its text has no doc here: the clean-sync mark, which lets a
  // later import skip the walk, says every doc file has one, so it is not set (a doc
  // written here under that name must meet the file at the next import's walk).
  bool texts_skipped = false;
  // A text the store would refuse is a conflict naming the blob, which a resolving write
  // (the doc's own text, `resolves` that blob) settles.
  const auto text_ok = [&](const std::string& name, const std::optional<std::string>& text, const std::string& blob) {
    if (text && detail::CheckContent(ctx, *text).ok()) return true;
    report.conflicts.push_back({name, kNotText, blob});
    return false;
  };
  for (const auto& [name, blob] : remote_files) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      auto tombstone = deleted_here.find(name);
      if (tombstone != deleted_here.end()) {
        // Deleted here: unchanged there, the next export deletes the file; changed there
        // since the last sync, it is a conflict rather than a silent loss of that change.
        if (tombstone->second->base_blob_oid == blob) continue;
        LIBSYNC_ASSIGN_OR_RETURN(auto theirs, ReadText(ctx, remote, r.target, blob));
        const std::string& base = tombstone->second->base_blob_oid;
        report.conflicts.push_back({name, "deleted here but changed in the repository since the last sync", blob,
                                    RemoteText(ctx, std::move(theirs)), base, BaseText(ctx, remote, r.target, base)});
        continue;
      }
      const auto read = new_texts.find(name);
      if (read == new_texts.end()) return Status::Internal("the import did not read the new file " + name);
      CheckedText& text = read->second;
      if (text.ok) {
        plan.push_back({Change::kCreate, name, 0, std::move(text.text), blob, true, std::move(text.hash)});
      } else {
        // Never a doc here, so nothing here can be lost: left alone like a file of a name no
        // doc may have, rather than a conflict that would stop every whole export until the
        // repository's file is overwritten. A doc written here under its name meets it as
        // a conflict at the next import (never synced, different on both sides).
        report.skipped.push_back({name, std::string(kNotText) + "; left alone"});
        texts_skipped = true;
      }
      continue;
    }
    const DocSummary& s = *it->second;
    const std::string synced_blob = rescoped ? std::string() : s.base_blob_oid;
    if (synced_blob == blob) {
      report.unchanged.push_back(name);
      continue;
    }
    // The doc's blob id is stored with it: its text is read only for a merge (or for a row
    // written before blob ids were kept).
    std::optional<Doc> doc;
    std::string local_blob = s.blob_oid;
    if (local_blob.empty()) {
      LIBSYNC_ASSIGN_OR_RETURN(doc, ReadDoc(ctx, project_id, name));
      local_blob = GitBlobId(doc->content);
    }
    const std::int64_t seen = doc ? doc->version : s.version;
    const auto plan_change = [&](Change c) {
      c.seen_base = s.base_blob_oid;
      c.seen_blob = local_blob;
      plan.push_back(std::move(c));
    };
    if (local_blob == blob) {
      plan_change({Change::kRecordBase, name, seen, {}, blob});
    } else if (synced_blob.empty()) {
      LIBSYNC_ASSIGN_OR_RETURN(auto theirs, ReadText(ctx, remote, r.target, blob));
      report.conflicts.push_back({name, "exists locally and remotely with different text and was never synced", blob,
                                  RemoteText(ctx, std::move(theirs))});
    } else if (local_blob == synced_blob) {
      LIBSYNC_ASSIGN_OR_RETURN(auto text, ReadText(ctx, remote, r.target, blob));
      if (text_ok(name, text, blob)) plan_change({Change::kUpdate, name, seen, std::move(*text), blob, true});
    } else {
      if (!doc) {
        LIBSYNC_ASSIGN_OR_RETURN(doc, ReadDoc(ctx, project_id, name));
      }
      LIBSYNC_ASSIGN_OR_RETURN(auto base, ReadText(ctx, remote, r.target, s.base_blob_oid));
      LIBSYNC_ASSIGN_OR_RETURN(auto theirs, ReadText(ctx, remote, r.target, blob));
      // A text over the size limit is no doc's (it was not read): nothing to merge.
      if (!base || !theirs) {
        report.conflicts.push_back({name, kNotText, blob});
        continue;
      }
      LIBSYNC_ASSIGN_OR_RETURN(GitMerge merged, remote.MergeFile(*base, doc->content, *theirs));
      if (!merged.clean) {
        report.conflicts.push_back({name, "changed locally and remotely in the same place; local text kept", blob,
                                    RemoteText(ctx, std::move(theirs)), s.base_blob_oid,
                                    RemoteText(ctx, std::move(base))});
      } else if (text_ok(name, merged.content, blob)) {
        plan_change({Change::kUpdate, name, doc->version, std::move(merged.content), blob});
      }
    }
  }
  // Docs synced before and gone from the remote: deleted there. Only a doc in the folder
  // the import listed (the docsPath, or its `path`; not in a subfolder when not recursive)
  // could have been listed, so one outside it says nothing of its file; nor does a walk
  // that skipped the doc's name for its ending (an export does not push such docs either).
  // A doc whose name no doc may have now (written before the rule) is left alone too: the
  // walk skips its file.
  const std::string listed_prefix = r.folder.empty() ? std::string() : r.folder + "/";
  const auto in_scope = [&](const std::string& name) {
    if (!name.starts_with(listed_prefix)) return false;
    const bool listed = request.recursive || name.find('/', listed_prefix.size()) == std::string::npos;
    return listed && Synced(name, options);
  };
  if (!report.commit.empty()) {
    for (const auto& t : tombstones) {
      if (in_scope(t.file_name) && !remote_files.count(t.file_name)) {
        plan.push_back({Change::kDropTombstone, t.file_name, 0, {}, {}});
      }
    }
    // No doc file at all in a place the project has not synced with is far likelier a
    // docsPath or branch naming the wrong place than a folder to sync with: the import
    // refuses rather than make every doc a new file of it. An export asked for exactly
    // that (the docs moved to a new folder): it goes on and pushes them all.
    if (rescoped && remote_files.empty() && !export_follows) {
      const std::size_t synced = static_cast<std::size_t>(std::count_if(
          local.begin(), local.end(), [&](const DocSummary& s) { return !s.base_blob_oid.empty() && in_scope(s.file_name); }));
      if (synced > 0) {
        const std::string listed = JoinPath(r.dir, r.folder);
        const std::string where = listed.empty() ? "the repository's top folder" : "'" + listed + "'";
        return Status::PreconditionFailed(
            "the branch '" + r.project.branch + "' has no doc files under " + where + ", where " +
            std::to_string(synced) + " docs here were synced from; check the project's docsPath and branch (if "
            "the files were deleted on purpose, delete the docs here too)");
      }
    }
    for (const auto& s : local) {
      if (s.base_blob_oid.empty() || !in_scope(s.file_name) || remote_files.count(s.file_name)) continue;
      std::string local_blob = s.blob_oid;
      std::int64_t seen = s.version;
      if (local_blob.empty()) {
        LIBSYNC_ASSIGN_OR_RETURN(Doc doc, ReadDoc(ctx, project_id, s.file_name));
        local_blob = GitBlobId(doc.content);
        seen = doc.version;
      }
      if (rescoped || local_blob == s.base_blob_oid) {
        Change c{rescoped ? Change::kForgetBase : Change::kDelete, s.file_name, seen, {}, {}};
        c.seen_base = s.base_blob_oid;
        c.seen_blob = local_blob;
        plan.push_back(std::move(c));
      } else {
        report.conflicts.push_back({s.file_name, "deleted remotely but changed locally; local text kept", {},
                                    std::nullopt, s.base_blob_oid,
                                    BaseText(ctx, remote, r.target, s.base_blob_oid), true});
      }
    }
  }

  // A new file whose name would make a doc here a folder, or whose folder docs here sit
  // in (the repository has `a.md/x.md` where a doc `a.md` was written here), would give
  // the project a name that is a file and a folder at once, which no workstation can
  // pull; so would one that differs from a doc here, or from another new file, only in
  // letter case (case_twins.hpp). Unless the import deletes that doc, the file is a
  // conflict and is not created. The write checks again if docs were written meanwhile.
  {
    std::set<std::string, std::less<>> clashing;
    const std::size_t skipped_before = report.skipped.size();
    for (SyncConflict& c : NameClashes(plan, NamesThatStay(local, plan, /*read_since_the_plan=*/false), remote_files,
                                         &report.skipped)) {
      clashing.insert(c.file_name);
      report.conflicts.push_back(std::move(c));
    }
    for (std::size_t i = skipped_before; i < report.skipped.size(); ++i) clashing.insert(report.skipped[i].file_name);
    std::erase_if(plan, [&](const Change& c) { return c.kind == Change::kCreate && clashing.count(c.file_name); });
  }
  const bool creates = std::any_of(plan.begin(), plan.end(), [](const Change& c) { return c.kind == Change::kCreate; });
  // Deletions are written (and announced) first: where the repository turned a file into a
  // folder of the same name, or a folder into a file, the doc that goes is gone before the
  // one taking its place comes, so a subscriber mirroring the docs into files never has to
  // hold both.
  std::stable_partition(plan.begin(), plan.end(), [](const Change& c) { return c.kind == Change::kDelete; });

  const Timestamp now = ctx.clock.Now();
  const std::string author = "git:" + r.project.branch;
  ImportReport applied;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx, [&](Transaction& tx, EventBatch& events) {
    applied = report;  // a retried attempt starts again from the plan
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_RETURN_IF_ERROR(detail::CheckWriteAllowed(tx, project_id, now, request.lock_token));
    // Docs written since the listing (a PUT of `a.md` while the repository's `a.md/x.md`
    // was read, a doc the plan deletes edited meanwhile, whose deletion is then skipped)
    // may clash with a new file after all: the check runs again on the docs as they are.
    std::set<std::string, std::less<>> clashing_now;
    if (creates) {
      LIBSYNC_ASSIGN_OR_RETURN(EventPage head, tx.ReadEvents(project_id, 0, 0));
      if (head.head_seq != listed_seq) {
        LIBSYNC_ASSIGN_OR_RETURN(auto docs_now, tx.ListDocSummaries(project_id));
        const auto staying_now = NamesThatStay(docs_now, plan, /*read_since_the_plan=*/true);
        for (SyncConflict& c : NameClashes(plan, staying_now, remote_files)) {
          clashing_now.insert(c.file_name);
          applied.conflicts.push_back(std::move(c));
        }
      }
    }
    // New docs go to the store in batches (a first import creates thousands); a batch is
    // written before any other change, so events keep the plan's order.
    std::vector<NewDoc> batch;
    std::size_t batch_bytes = 0;
    const auto write_batch = [&]() -> Status {
      if (batch.empty()) return Status::Ok();
      LIBSYNC_ASSIGN_OR_RETURN(auto taken, tx.InsertNewDocs(batch));
      const std::set<std::string> written_meanwhile(taken.begin(), taken.end());
      for (const NewDoc& n : batch) {
        if (written_meanwhile.count(n.doc.file_name)) {
          applied.conflicts.push_back({n.doc.file_name, kChangedMeanwhile});
          continue;
        }
        LIBSYNC_RETURN_IF_ERROR(detail::AppendDocUpdated(events, n.doc, VersionSource::kGit, /*created=*/true));
        applied.imported.push_back(n.doc.file_name);
      }
      batch.clear();
      batch_bytes = 0;
      return Status::Ok();
    };
    for (const Change& c : plan) {
      if (c.kind == Change::kCreate) {
        if (clashing_now.count(c.file_name)) continue;
        // The plan saw no doc and no tombstone of this name; a doc written here since is
        // found by the insert, which skips it. Its content is the blob's, already checked.
        batch.push_back(detail::MakeNewDoc(ctx, project_id, c.file_name, c.content, c.hash, c.blob, c.blob, author,
                                           VersionSource::kGit, now));
        batch_bytes += c.content.size();
        if (batch.size() == kNewDocsPerBatch || batch_bytes >= kNewDocBytesPerBatch) {
          LIBSYNC_RETURN_IF_ERROR(write_batch());
        }
        continue;
      }
      LIBSYNC_RETURN_IF_ERROR(write_batch());
      if (c.kind == Change::kDropTombstone) {
        LIBSYNC_RETURN_IF_ERROR(tx.TakeTombstone(project_id, c.file_name).status());
        continue;
      }
      LIBSYNC_ASSIGN_OR_RETURN(auto current, detail::FindDoc(tx, project_id, c.file_name));
      const std::int64_t version = current ? current->version : 0;
      if (!current || !AsPlanned(c, version, current->base_blob_oid, BlobOf(*current))) {
        applied.conflicts.push_back({c.file_name, kChangedMeanwhile});
        continue;
      }
      if (c.kind == Change::kDelete) {
        LIBSYNC_RETURN_IF_ERROR(detail::DeleteDoc(tx, events, *current, author));
        applied.deleted.push_back(c.file_name);
        continue;
      }
      if (c.kind == Change::kForgetBase) {
        current->base_blob_oid.clear();
        LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(*current, version));
        continue;
      }
      const std::string hash = c.kind == Change::kRecordBase ? current->hash : Sha256Hex(c.content);
      const std::string_view content = c.kind == Change::kRecordBase ? std::string_view(current->content)
                                                                     : std::string_view(c.content);
      const WriteGuard guard;
      const detail::ContentWrite write{ctx,
                                       project_id,
                                       c.file_name,
                                       content,
                                       hash,
                                       guard,
                                       author,
                                       VersionSource::kGit,
                                       now,
                                       c.blob,
                                       c.content_is_blob ? std::string_view(c.blob) : std::string_view(),
                                       /*may_replace_tombstone=*/false};
      DocWriteResult result;
      LIBSYNC_RETURN_IF_ERROR(write.Run(tx, events, current ? &*current : nullptr, result));
      if (c.kind == Change::kUpdate) {
        applied.updated.push_back(c.file_name);
      } else {
        applied.unchanged.push_back(c.file_name);
      }
    }
    LIBSYNC_RETURN_IF_ERROR(write_batch());
    // A conflict resolved while this import ran (a write with `resolves` took the stored
    // conflict and set the doc's base to the repository's blob) is no conflict of it: not
    // reported, stored or announced again, and it blocks no export.
    std::vector<SyncConflict> open;
    for (auto& c : applied.conflicts) {
      LIBSYNC_ASSIGN_OR_RETURN(auto current, detail::FindDoc(tx, project_id, c.file_name));
      const bool resolved = current && c.reason != kChangedMeanwhile &&
                            current->base_blob_oid == (c.deleted_remotely ? std::string() : c.remote_blob_id);
      if (!resolved) open.push_back(std::move(c));
    }
    applied.conflicts = std::move(open);
    const bool whole = docs_path_listed && request.recursive;
    LIBSYNC_RETURN_IF_ERROR(RecordImport(tx, project_id, applied, now, applied.conflicts.empty() && !texts_skipped ? mark : "",
                                         walk ? "" : mark, whole, r.project, synced_before));
    // What GET …/conflicts lists: this import's conflicts replace those of the last whole
    // import, so a conflict settled in any way (a resolving write, the same text on both
    // sides, a change in the repository) is gone after the next one. An import that
    // skipped the walk found no conflict and clears none: what another server's walk
    // stored meanwhile stays.
    if (whole && walk) LIBSYNC_RETURN_IF_ERROR(tx.ClearConflicts(project_id));
    for (const auto& c : applied.conflicts) {
      LIBSYNC_RETURN_IF_ERROR(tx.PutConflict(Stored(project_id, applied.commit, c, now)));
    }
    LIBSYNC_RETURN_IF_ERROR(events.Append(project_id, event_type::kSyncCompleted,
                                          detail::JsonObject()
                                              .Add("direction", "import")
                                              .Add("commit", applied.commit)
                                              .Add("imported", applied.imported)
                                              .Add("updated", applied.updated)
                                              .Add("deleted", applied.deleted)
                                              .Add("conflicts", static_cast<std::int64_t>(applied.conflicts.size()))
                                              .Close()));
    if (!applied.conflicts.empty()) {
      std::vector<std::string> names;
      for (const auto& c : applied.conflicts) names.push_back(c.file_name);
      LIBSYNC_RETURN_IF_ERROR(events.Append(
          project_id, event_type::kSyncConflict,
          detail::JsonObject().Add("commit", applied.commit).Add("files", names).Close()));
    }
    return Status::Ok();
  }));
  return applied;
}

/// The export itself, once every check has passed and the project's sync slot is held.
Result<ExportReport> RunExport(const ServiceContext& ctx, GitRemote& remote, const GitSyncOptions& options,
                               const Caller& caller, const Remote& r, std::string_view project_id,
                               const ExportRequest& request) {
  ExportReport report;
  for (report.attempts = 1; report.attempts <= options.max_push_attempts; ++report.attempts) {
    // Bring the remote's changes in first, so the commit goes on top of them.
    LIBSYNC_ASSIGN_OR_RETURN(ImportReport imported, RunImport(ctx, remote, options, r, project_id,
                                                              {std::nullopt, true, request.lock_token},
                                                              /*may_skip_walk=*/true, /*export_follows=*/true));
    // One doc's export is blocked by its own conflict, and by that of a repository file it
    // would share a path with (case_twins.hpp: a second name for one file, or a name that
    // is a file and a folder at once).
    std::vector<std::string> blocked;
    for (const auto& c : imported.conflicts) {
      if (!request.file_name || detail::PathClashOf(*request.file_name, c.file_name) != detail::PathClash::kNone) {
        blocked.push_back(c.file_name);
      }
    }
    if (!blocked.empty()) {
      std::string list;
      for (const auto& name : blocked) list += (list.empty() ? "" : ", ") + name;
      return Status(ErrorCode::kPreconditionFailed, "resolve the sync conflicts first: " + list,
                    {{"conflicts", list}});
    }
    const bool new_branch = imported.commit.empty();
    std::vector<Doc> docs;
    std::vector<DocTombstone> tombstones;
    LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx, [&](Transaction& tx) {
      return ReadWhatToExport(tx, project_id, request.file_name, new_branch, docs, tombstones);
    }));
    // Only docs an import would take are pushed: the import never reads a file of another
    // ending, so it could neither bring its changes back nor see a conflict on it.
    std::vector<GitChange> changes;
    std::vector<std::pair<std::string, std::string>> pushed;  // fileName, blob
    for (const Doc& d : docs) {
      const std::string blob = BlobOf(d);
      if ((blob == d.base_blob_oid && !new_branch) || !Synced(d.file_name, options)) continue;
      changes.push_back({JoinPath(r.dir, d.file_name), d.content});
      pushed.emplace_back(d.file_name, blob);
    }
    // The import before has settled every tombstone whose file changed or went away in
    // the repository, so each one left names a file still at the blob deleted here (on a
    // new branch, none: the tombstones are only dropped after the push).
    report.pushed.clear();
    report.deleted.clear();
    std::vector<std::string> dropped;
    for (const DocTombstone& t : tombstones) {
      if (new_branch || !Synced(t.file_name, options)) {
        dropped.push_back(t.file_name);
        continue;
      }
      changes.push_back({JoinPath(r.dir, t.file_name), std::nullopt});
      report.deleted.push_back(t.file_name);
    }
    for (const auto& [name, blob] : pushed) report.pushed.push_back(name);
    if (changes.empty()) {
      report.commit = imported.commit;
      const Timestamp now = ctx.clock.Now();
      LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx, [&](Transaction& tx, EventBatch&) {
        LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
        LIBSYNC_ASSIGN_OR_RETURN(auto project, tx.GetProject(project_id));
        project.last_export = {now, report.commit, "ok"};  // nothing to push is a success too
        for (const auto& name : dropped) LIBSYNC_RETURN_IF_ERROR(tx.TakeTombstone(project_id, name).status());
        return tx.UpdateProject(project);
      }));
      return report;
    }
    const std::string message = CommitMessage(report, caller.name());
    LIBSYNC_ASSIGN_OR_RETURN(std::string commit,
                             remote.Commit(r.target, imported.commit, changes, message, options.author));
    Status pushed_status = remote.Push(r.target, commit, imported.commit);
    if (pushed_status.code() == ErrorCode::kPreconditionFailed) continue;  // the remote moved: again
    LIBSYNC_RETURN_IF_ERROR(pushed_status);
    report.commit = commit;
    const Timestamp now = ctx.clock.Now();
    LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx, [&](Transaction& tx, EventBatch& events) {
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
      // Settings changed to another place while the push ran: the commit went to the old
      // one, whose blobs are no bases of the new place and whose commit is none of its.
      LIBSYNC_ASSIGN_OR_RETURN(const Project now_set, tx.GetProject(project_id));
      if (SyncPlaceOf(now_set) != SyncPlaceOf(r.project)) {
        return Overtaken("the project's git settings changed while this export ran; commit " + commit +
                         " went to the settings it started with, and nothing was recorded");
      }
      // Whether the store now matches the pushed commit's tree as it matched the base's.
      bool recorded_all = true;
      for (const auto& [name, blob] : pushed) {
        LIBSYNC_ASSIGN_OR_RETURN(auto current, detail::FindDoc(tx, project_id, name));
        if (!current) {  // deleted meanwhile: its tombstone's base is the old blob
          recorded_all = false;
          continue;
        }
        current->base_blob_oid = blob;  // later local edits still differ from it and export next time
        LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(*current, current->version));
      }
      // The files are gone from the repository now; a doc written under one of these
      // names meanwhile has taken its tombstone, and with it the deleted file's base: it
      // is a new file now, which the next export adds (kept at that base, the next
      // import would read the file's absence as a deletion there and delete the doc).
      for (const auto& name : report.deleted) {
        LIBSYNC_ASSIGN_OR_RETURN(auto taken, tx.TakeTombstone(project_id, name));
        if (taken) continue;
        recorded_all = false;
        LIBSYNC_ASSIGN_OR_RETURN(auto written_again, detail::FindDoc(tx, project_id, name));
        if (written_again && !written_again->base_blob_oid.empty()) {
          const std::int64_t version = written_again->version;
          written_again->base_blob_oid.clear();
          LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(*written_again, version));
        }
      }
      for (const auto& name : dropped) LIBSYNC_RETURN_IF_ERROR(tx.TakeTombstone(project_id, name).status());
      LIBSYNC_ASSIGN_OR_RETURN(auto project, tx.GetProject(project_id));
      const bool built_on_clean = project.clean_sync_mark == CleanSyncMark(r, options, imported.commit);
      project.clean_sync_mark = built_on_clean && recorded_all ? CleanSyncMark(r, options, commit) : std::string();
      project.last_synced_commit = commit;
      project.synced_at = now;
      project.last_export = {now, commit, "ok"};
      LIBSYNC_RETURN_IF_ERROR(tx.UpdateProject(project));
      return events.Append(project_id, event_type::kSyncCompleted,
                           detail::JsonObject()
                               .Add("direction", "export")
                               .Add("commit", commit)
                               .Add("files", report.pushed)
                               .Add("deleted", report.deleted)
                               .Close());
    }));
    return report;
  }
  return Status::PreconditionFailed("the remote branch kept moving; tried " +
                                    std::to_string(options.max_push_attempts) + " times");
}

}  // namespace

/// Marks a project's sync as running for its lifetime, if no other sync of it was.
class GitSyncService::SyncSlot {
 public:
  SyncSlot(GitSyncService& service, std::string_view project_id, bool wait = false)
      : service_(service), project_id_(project_id) {
    MutexLock lock(service_.running_mutex_);
    while (!(claimed_ = service_.running_.insert(project_id_).second) && wait) service_.slot_freed_.wait(lock);
  }
  ~SyncSlot() {
    if (!claimed_) return;
    {
      MutexLock lock(service_.running_mutex_);
      service_.running_.erase(project_id_);
    }
    service_.slot_freed_.notify_all();
  }
  SyncSlot(const SyncSlot&) = delete;
  SyncSlot& operator=(const SyncSlot&) = delete;

  // A second sync would only wait for the first, holding a thread meanwhile: when the
  // remote hangs, enough of them would starve every other project's syncs.
  Status status() const {
    if (claimed_) return Status::Ok();
    return Status::Unavailable("a git sync of this project is already running; try again when it has finished");
  }

 private:
  GitSyncService& service_;
  std::string project_id_;
  bool claimed_ = false;
};

Status GitSyncService::ForgetDeletedProject(std::string_view project_id) {
  return remote_.Forget(std::string(project_id));
}

Result<ImportReport> GitSyncService::Import(const Caller& caller, std::string_view project_id,
                                           const ImportRequest& request) {
  auto remote = OpenRemote(ctx_, options_, caller, project_id, request.path);
  if (!remote) {
    // A background import has no caller to tell: that it could not begin (a remote this
    // server refuses, a token it cannot unseal) is recorded too, and replaces a "waiting"
    // it may have left.
    if (request.runs_when_unlocked) return Failed(project_id, SyncDirection::kImport, remote.error());
    return remote.error();
  }
  Remote r = std::move(remote).value();
  if (Status locked = CheckLockBeforeNetwork(ctx_, project_id, request.lock_token); !locked.ok()) {
    return Failed(project_id, SyncDirection::kImport, locked, request.runs_when_unlocked);
  }
  const SyncSlot slot(*this, project_id, request.wait_if_running);
  LIBSYNC_RETURN_IF_ERROR(slot.status());
  auto report = RunImport(ctx_, remote_, options_, r, project_id, request);
  if (!report) return Failed(project_id, SyncDirection::kImport, report.error(), request.runs_when_unlocked);
  Count(SyncDirection::kImport, report->conflicts.empty() ? SyncResult::kOk : SyncResult::kConflicts);
  return report;
}

Result<GitSyncService::HeadCheck> GitSyncService::CheckHead(const Caller& caller, std::string_view project_id) {
  LIBSYNC_ASSIGN_OR_RETURN(Remote r, OpenRemote(ctx_, options_, caller, project_id, std::nullopt));
  HeadCheck check;
  LIBSYNC_ASSIGN_OR_RETURN(check.head, remote_.RemoteHead(r.target));
  check.moved = check.head != r.project.last_synced_commit;
  return check;
}

GitSyncService::SyncCounts GitSyncService::counts() const {
  SyncCounts out;
  for (std::size_t d = 0; d < 2; ++d) {
    for (std::size_t r = 0; r < kSyncResults; ++r) out.syncs[d][r] = counts_[d][r].load(std::memory_order_relaxed);
  }
  return out;
}

void GitSyncService::Count(SyncDirection direction, SyncResult result) {
  counts_[static_cast<std::size_t>(direction)][static_cast<std::size_t>(result)].fetch_add(1, std::memory_order_relaxed);
}

// Best effort: when the store itself is what failed, the record fails too, and the caller
// still gets the sync's own error.
Status GitSyncService::Failed(std::string_view project_id, SyncDirection direction, const Status& failure,
                              bool runs_when_unlocked) {
  if (!failure.detail("overtaken").empty()) return failure;  // what overtook it is the project's state
  // An export refused for conflicts ended in them, not in a failure of its own.
  const bool conflicts = direction == SyncDirection::kExport && !failure.detail("conflicts").empty();
  // An import that runs again when the lock ends is waiting, not failing: nothing for the
  // lead to do, so the last error (what is) stays.
  const bool waiting = runs_when_unlocked && failure.code() == ErrorCode::kLocked;
  const SyncResult result = waiting ? SyncResult::kWaiting : conflicts ? SyncResult::kConflicts : SyncResult::kFailed;
  Count(direction, result);
  const std::string message = PublicMessage(failure);
  const std::string_view name = direction == SyncDirection::kImport ? "import" : "export";
  const Timestamp now = ctx_.clock.Now();
  (void)detail::RunWrite(ctx_, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_ASSIGN_OR_RETURN(auto project, tx.GetProject(project_id));
    SyncOutcome& outcome = direction == SyncDirection::kImport ? project.last_import : project.last_export;
    // An import refused for the lock while a background one waits for that lock does not
    // end the wait: the record a starting server resumes from stays.
    const bool still_waiting = failure.code() == ErrorCode::kLocked && outcome.result == "waiting";
    if (!still_waiting) outcome = {now, "", waiting ? "waiting" : conflicts ? "conflicts" : "failed"};
    if (!waiting) {
      project.last_sync_error = message;
      project.last_sync_error_at = now;
    }
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateProject(project));
    detail::JsonObject payload;
    payload.Add("direction", name).Add("code", ErrorCodeName(failure.code())).Add("error", message);
    if (waiting) payload.Add("waitsForLock", true);
    return events.Append(project_id, event_type::kSyncFailed, payload.Close());
  });
  return failure;
}

Result<ExportReport> GitSyncService::Export(const Caller& caller, std::string_view project_id,
                                           const ExportRequest& request) {
  LIBSYNC_ASSIGN_OR_RETURN(Remote r, OpenRemote(ctx_, options_, caller, project_id, std::nullopt));
  if (request.file_name) {
    LIBSYNC_RETURN_IF_ERROR(ValidateFileName(*request.file_name));
    if (!IsDocFile(*request.file_name, options_.extensions)) {
      std::string endings;
      for (const auto& ext : options_.extensions) endings += (endings.empty() ? "" : ", ") + ext;
      return Status::InvalidArgument("'" + *request.file_name + "' is not synced with git: only names ending in " +
                                     endings + " are");
    }
  }
  if (Status locked = CheckLockBeforeNetwork(ctx_, project_id, request.lock_token); !locked.ok()) {
    return Failed(project_id, SyncDirection::kExport, locked);
  }
  const SyncSlot slot(*this, project_id);
  LIBSYNC_RETURN_IF_ERROR(slot.status());
  auto report = RunExport(ctx_, remote_, options_, caller, r, project_id, request);
  if (!report) return Failed(project_id, SyncDirection::kExport, report.error());
  Count(SyncDirection::kExport, SyncResult::kOk);
  return report;
}


}  // namespace libsync
