// GitRemote on libgit2 through a bare cache repository per project.

#include "libsync/git/git2_remote.hpp"

#include <git2.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "error_mapping.hpp"
#include "libsync/remote_url.hpp"
#include "libsync/thread_annotations.hpp"
#include "oid_text.hpp"
#include "pack_order.hpp"
#include "timed_socket_stream.hpp"

namespace libsync::git {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using Repository = Owned<git_repository, git_repository_free>;
using Remote = Owned<git_remote, git_remote_free>;
using CommitObject = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using TreeEntry = Owned<git_tree_entry, git_tree_entry_free>;
using Blob = Owned<git_blob, git_blob_free>;
using Reference = Owned<git_reference, git_reference_free>;
using Signature = Owned<git_signature, git_signature_free>;

// libgit2 must be initialized once per process before any call; it is never shut down
// because other threads may still be using it while the process exits. Its plain socket
// stream is replaced by the timed one here, before any transfer can open a connection.
//
// libgit2 re-hashes every object it reads (SHA-1 with collision detection), which was 80%
// of reading a blob and most of a first import's reading (docs/performance.md, "Git
// sync"). Objects are hashed where they enter the cache: the indexer names each object of
// a fetched pack by hashing it (a local remote's objects are read in place, from a
// repository the operator chose to trust with --git-allow-local). What a read would
// re-check is the local disk, which git itself does not re-check either (`git fsck` does).
//
// libgit2 keeps trees of at most 4 KB in a repository's object cache, so the tree of a
// folder with thousands of docs (about 50 bytes an entry) was read from the pack, inflated
// and parsed again by every lookup: the export's commit and then its push (which walks the
// parent's tree and the new one) read it four times, and an export of one doc among 10,000
// cost 3x the same export among 1,000. Trees up to 16 MB are kept now; the cache's overall
// bound (libgit2's, 256 MB) still holds, and blobs are still not kept.
void InitLibgit2Once() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, static_cast<size_t>(16) << 20);
    RegisterTimedSocketStream();
  });
}

// A failure talking to the remote: neither the token nor a password in the URL may reach
// the message.
Status MapRemoteError(int rc, std::string_view what, const GitTarget& target) {
  return MapGitError(rc, what, {target.token, RemoteUrlSecret(target.url)});
}

// A failure where libgit2 reads the URL (making the remote, connecting for a transfer).
// GIT_EINVALIDSPEC there means it cannot parse the URL (an unknown scheme, a malformed
// authority): no retry can help, so it is the caller's to correct, not an unreachable
// remote. libgit2's own words quote the URL; the project's readers are told which part to
// check instead. (Elsewhere the same code names a bad ref, which the branch makes.)
Status MapUrlError(int rc, std::string_view what, const GitTarget& target) {
  if (rc == GIT_EINVALIDSPEC && KindOfRemote(target.url) != RemoteKind::kLocal) {
    return Status(ErrorCode::kInvalidArgument,
                  "git cannot read the project's repoUrl as a remote URL; correct its scheme (https, http, ssh, git), "
                  "host or port",
                  {}, "git2/-12");
  }
  return MapRemoteError(rc, what, target);
}

long WholeSeconds(std::chrono::milliseconds d) { return static_cast<long>((d.count() + 999) / 1000); }

// A transfer that failed: a limit it hit says more than libgit2's own message (which names
// whatever step happened to be waiting), and tells a time-out from an unreachable remote.
Status TransferError(const TransferScope& scope, int rc, std::string_view what, const GitTarget& target,
                     const Git2RemoteOptions& options, std::string_view consequence) {
  const std::string tail = " (" + RedactRemoteUrl(target.url) + "); " + std::string(consequence);
  switch (scope.failure()) {
    case TransferFailure::kNone:
      return MapUrlError(rc, what, target);
    case TransferFailure::kConnectTimeout:
      return Status::DeadlineExceeded("the git remote did not accept a connection within " +
                                          std::to_string(WholeSeconds(options.connect_timeout)) + " s" + tail,
                                      "git2/connect-timeout");
    case TransferFailure::kIdleTimeout:
      return Status::DeadlineExceeded("the git remote stopped answering: no progress for " +
                                          std::to_string(WholeSeconds(options.idle_timeout)) + " s" + tail,
                                      "git2/idle-timeout");
    case TransferFailure::kDeadline:
      return Status::DeadlineExceeded("the git transfer took longer than " +
                                          std::to_string(WholeSeconds(options.transfer_timeout)) + " s" + tail,
                                      "git2/deadline");
    case TransferFailure::kCancelled:
      break;
  }
  return Status::Unavailable("the git transfer was abandoned because the server is shutting down; " +
                                 std::string(consequence),
                             "git2/cancelled");
}

// A local remote that does not exist: libgit2 would report an "unsupported protocol" or
// an OS error; say plainly that the repository is not there.
Status CheckLocalRemote(const std::string& url) {
  const std::string path = LocalRemotePath(url);
  if (path.empty()) return Status::Ok();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status(ErrorCode::kNotFound, "remote repository not found: " + RedactRemoteUrl(url), {}, "git2/local");
  }
  return Status::Ok();
}

Status BadId(const std::string& text) { return Status::InvalidArgument("not a git object id: '" + text + "'"); }

// Below this many blobs in each half, a second thread (and its repository handle, about a
// millisecond to open) costs more than it saves.
constexpr std::size_t kBlobsWorthASecondThread = 256;

std::string RemoteTrackingRef(const std::string& branch) { return "refs/remotes/origin/" + branch; }

struct CredentialPayload {
  const std::string* username;
  const std::string* token;
  int attempts = 0;
};

// Offers the token once; a second call means it was rejected, and giving up then turns a
// libgit2 retry loop into a clean authentication error.
int ProvideCredentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                       unsigned int allowed, void* payload) {
  auto* creds = static_cast<CredentialPayload*>(payload);
  if (creds->attempts++ > 0) return GIT_EAUTH;
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && !creds->token->empty()) {
    return git_credential_userpass_plaintext_new(out, creds->username->c_str(), creds->token->c_str());
  }
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    return git_credential_ssh_key_from_agent(out, username_from_url ? username_from_url : "git");
  }
  return GIT_PASSTHROUGH;
}

// The target's URL as a remote of the cache repository, by URL only (nothing is saved in
// the repository's config).
Result<Remote> AnonymousRemote(git_repository* repo, const GitTarget& target) {
  git_remote* raw = nullptr;
  if (int rc = git_remote_create_anonymous(&raw, repo, target.url.c_str()); rc < 0) {
    return MapUrlError(rc, "invalid remote URL", target);
  }
  return Remote(raw);
}

/// The mode of the entry at `path` in `tree` (null: an empty tree), or
/// GIT_FILEMODE_UNREADABLE when there is none.
git_filemode_t EntryMode(const git_tree* tree, const std::string& path) {
  if (!tree) return GIT_FILEMODE_UNREADABLE;
  git_tree_entry* raw = nullptr;
  if (git_tree_entry_bypath(&raw, tree, path.c_str()) != 0) return GIT_FILEMODE_UNREADABLE;
  const TreeEntry entry(raw);
  return git_tree_entry_filemode(entry.get());
}

/// What `path` is in `tree`: GIT_OBJECT_BLOB, GIT_OBJECT_TREE, GIT_OBJECT_COMMIT (a
/// submodule), or GIT_OBJECT_INVALID (absent).
git_object_t EntryType(const git_tree* tree, const std::string& path) {
  switch (EntryMode(tree, path)) {
    case GIT_FILEMODE_UNREADABLE: return GIT_OBJECT_INVALID;
    case GIT_FILEMODE_TREE: return GIT_OBJECT_TREE;
    case GIT_FILEMODE_COMMIT: return GIT_OBJECT_COMMIT;
    default: return GIT_OBJECT_BLOB;
  }
}

bool HasEntry(const git_tree* tree, const std::string& path) { return EntryType(tree, path) != GIT_OBJECT_INVALID; }

/// Why a doc's text cannot be written over the entry at `path`: the repository has a
/// symbolic link or a submodule there, which an import never takes for a doc (it lists
/// them as skipped), so a doc of that name was written here. Empty when it can.
std::string NotAFileOfText(git_filemode_t mode, const std::string& path) {
  if (mode == GIT_FILEMODE_LINK) return "the repository has a symbolic link at " + path;
  if (mode == GIT_FILEMODE_COMMIT) return "the repository has a submodule at " + path;
  return {};
}

/// Why a file cannot be written at one of `files` in `tree`: a folder there, or a file
/// where one of its folders goes. Empty when none clashes.
std::string FileFolderClash(const git_tree* tree, const std::vector<std::string>& files) {
  for (const std::string& path : files) {
    if (EntryType(tree, path) == GIT_OBJECT_TREE) return "the repository has a folder named " + path;
    for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      const std::string folder = path.substr(0, slash);
      const git_object_t type = EntryType(tree, folder);
      if (type == GIT_OBJECT_BLOB) {
        return "the repository has a file named " + folder + ", where " + path + " needs a folder";
      }
      if (type == GIT_OBJECT_COMMIT) {
        return "the repository has a submodule at " + folder + ", where " + path + " needs a folder";
      }
    }
  }
  return {};
}

class Git2Remote final : public GitRemote {
 public:
  explicit Git2Remote(Git2RemoteOptions options) : options_(std::move(options)) {}

  Result<std::string> Fetch(const GitTarget& target) override {
    LIBSYNC_RETURN_IF_ERROR(CheckNotCancelled());
    LIBSYNC_RETURN_IF_ERROR(CheckLocalRemote(target.url));
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    auto remote = AnonymousRemote(*repo, target);
    if (!remote) return remote.error();
    const std::string refspec = "+refs/heads/" + target.branch + ":" + RemoteTrackingRef(target.branch);
    char* specs[] = {const_cast<char*>(refspec.c_str())};
    git_strarray refspecs{specs, 1};
    git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
    CredentialPayload creds{&options_.token_username, &target.token};
    fetch.callbacks.credentials = ProvideCredentials;
    fetch.callbacks.payload = &creds;
    fetch.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    {
      // The tracking ref moves only once the whole pack has arrived, so a fetch cut short
      // leaves the cache as it was.
      const TransferScope scope(Limits());
      if (int rc = git_remote_fetch(remote->get(), &refspecs, &fetch, nullptr); rc < 0) {
        return TransferError(scope, rc, "fetch from the remote failed", target, options_, "nothing was imported");
      }
    }
    // A fetch leaves the tracking ref alone when the remote has no such branch: one left by
    // another remote (the project's repoUrl changed to a new, empty repository) or by a
    // branch deleted there would pass for the head, and an export would build on it and
    // push that repository's whole history to this one. The advertisement says.
    LIBSYNC_ASSIGN_OR_RETURN(const std::string advertised, AdvertisedId(remote->get(), "refs/heads/" + target.branch));
    if (advertised.empty()) {
      git_reference* stale = nullptr;
      if (git_reference_lookup(&stale, *repo, RemoteTrackingRef(target.branch).c_str()) == 0) {
        const int deleted = git_reference_delete(stale);
        git_reference_free(stale);
        if (deleted < 0) return MapGitError(deleted, "dropping the tracking ref of a branch the remote lacks");
      }
      return std::string();  // the branch does not exist yet
    }
    git_oid head;
    const int rc = git_reference_name_to_id(&head, *repo, RemoteTrackingRef(target.branch).c_str());
    if (rc == GIT_ENOTFOUND) return std::string();
    if (rc < 0) return MapRemoteError(rc, "reading the fetched branch failed", target);
    return OidText(head);
  }

  Result<std::string> RemoteHead(const GitTarget& target) override {
    LIBSYNC_RETURN_IF_ERROR(CheckNotCancelled());
    LIBSYNC_RETURN_IF_ERROR(CheckLocalRemote(target.url));
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    auto remote = AnonymousRemote(*repo, target);
    if (!remote) return remote.error();
    git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
    CredentialPayload creds{&options_.token_username, &target.token};
    callbacks.credentials = ProvideCredentials;
    callbacks.payload = &creds;
    // The advertisement alone: connect, read the refs, disconnect; no pack is asked for.
    const TransferScope scope(Limits());
    if (int rc = git_remote_connect(remote->get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr); rc < 0) {
      return TransferError(scope, rc, "listing the remote's branches failed", target, options_, "nothing was checked");
    }
    auto head = AdvertisedId(remote->get(), "refs/heads/" + target.branch);
    git_remote_disconnect(remote->get());
    return head;
  }

  Result<std::vector<GitFile>> ListTree(const GitTarget& target, const std::string& commit_id,
                                        const std::string& dir, bool recursive) override {
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    auto tree = TreeAt(*repo, commit_id, dir);
    if (!tree) return Damaged(tree.error(), dir);
    std::vector<GitFile> files;
    if (!*tree) return files;  // the folder does not exist in this commit
    struct Walk {
      std::vector<GitFile>* files;
      bool recursive;
    } walk{&files, recursive};
    const int rc = git_tree_walk(
        tree->get(), GIT_TREEWALK_PRE,
        [](const char* root, const git_tree_entry* entry, void* payload) -> int {
          auto* w = static_cast<Walk*>(payload);
          if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) return w->recursive ? 0 : 1;  // 1 = skip
          // Submodules and symbolic links are no docs: listed as such, so that an import
          // can say it left them alone.
          const bool file = git_tree_entry_type(entry) == GIT_OBJECT_BLOB &&
                            git_tree_entry_filemode(entry) != GIT_FILEMODE_LINK;
          w->files->push_back(
              {std::string(root) + git_tree_entry_name(entry), OidText(*git_tree_entry_id(entry)), !file});
          return 0;
        },
        &walk);
    if (rc < 0) return Damaged(MapGitError(rc, "walking the tree failed"), dir);
    return files;
  }

  // A tree libgit2 cannot parse (an entry without a name, made by hand) is the repository's
  // to repair, not a failure of this server: 412, naming the folder. Only such an object
  // error, read right after the failing call (libgit2 keeps its last error per thread);
  // any other internal failure (memory, the cache) stays a 500.
  static Status Damaged(const Status& failure, const std::string& dir) {
    const git_error* last = git_error_last();
    const bool object = last && (last->klass == GIT_ERROR_OBJECT || last->klass == GIT_ERROR_TREE);
    if (failure.code() != ErrorCode::kInternal || !object) return failure;
    return Status::PreconditionFailed("the repository's tree under '" + dir + "' cannot be read (" + failure.message() +
                                      "); repair it in the repository");
  }

  Result<std::string> ReadBlob(const GitTarget& target, const std::string& blob_id, std::size_t max_bytes) override {
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    return ReadBlobIn(*repo, blob_id, max_bytes);
  }

  Result<std::vector<std::optional<std::string>>> ReadBlobs(const GitTarget& target,
                                                            const std::vector<std::string>& blob_ids,
                                                            std::size_t max_bytes) override {
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    // Reading is inflating, one core's work per blob. Blobs are read in the order their
    // packs hold them (pack_order.hpp), and the later part of a long list goes to a second
    // thread, with a repository handle of its own (libgit2's are not for two threads at once).
    const std::vector<std::size_t> order = PackOrder(ObjectDirs(*repo, target.url), blob_ids);
    std::vector<std::optional<std::string>> texts(blob_ids.size());
    const auto read_range = [&](git_repository* from, std::size_t first, std::size_t last) -> Status {
      for (std::size_t k = first; k < last; ++k) {
        const std::size_t i = order[k];
        auto text = ReadBlobIn(from, blob_ids[i], max_bytes);
        if (!text && text.error().code() != ErrorCode::kTooLarge) return text.error();
        if (text) texts[i] = std::move(text).value();
      }
      return Status::Ok();
    };
    const std::size_t half = blob_ids.size() / 2;
    if (half < kBlobsWorthASecondThread || std::thread::hardware_concurrency() < 2) {
      LIBSYNC_RETURN_IF_ERROR(read_range(*repo, 0, blob_ids.size()));
      return texts;
    }
    Status second_half;
    std::thread second([&] {
      auto own = OpenCacheAgain(target);
      second_half = own ? read_range(own->get(), half, blob_ids.size()) : own.error();
    });
    const Status first_half = read_range(*repo, 0, half);
    second.join();
    LIBSYNC_RETURN_IF_ERROR(first_half);
    LIBSYNC_RETURN_IF_ERROR(second_half);
    return texts;
  }

  Result<GitMerge> MergeFile(const std::string& base, const std::string& ours, const std::string& theirs) override {
    InitLibgit2Once();
    git_merge_file_input in_base = GIT_MERGE_FILE_INPUT_INIT, in_ours = GIT_MERGE_FILE_INPUT_INIT,
                         in_theirs = GIT_MERGE_FILE_INPUT_INIT;
    in_base.ptr = base.data();
    in_base.size = base.size();
    in_ours.ptr = ours.data();
    in_ours.size = ours.size();
    in_theirs.ptr = theirs.data();
    in_theirs.size = theirs.size();
    git_merge_file_result result{};
    if (int rc = git_merge_file(&result, &in_base, &in_ours, &in_theirs, nullptr); rc < 0) {
      return MapGitError(rc, "three-way merge failed");
    }
    GitMerge merge{result.automergeable != 0, std::string(result.ptr, result.len)};
    git_merge_file_result_free(&result);
    if (!merge.clean) merge.content.clear();
    return merge;
  }

  Result<std::string> Commit(const GitTarget& target, const std::string& parent_id,
                             const std::vector<GitChange>& changes, const std::string& message,
                             const GitAuthor& author) override {
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    git_repository* r = *repo;
    CommitObject parent;
    Tree base;
    if (!parent_id.empty()) {
      git_oid oid;
      if (!ParseOid(parent_id, &oid)) return BadId(parent_id);
      git_commit* raw = nullptr;
      if (int rc = git_commit_lookup(&raw, r, &oid); rc < 0) return MapGitError(rc, "parent commit " + parent_id);
      parent.reset(raw);
      git_tree* tree = nullptr;
      if (int rc = git_commit_tree(&tree, parent.get()); rc < 0) return MapGitError(rc, "parent tree");
      base.reset(tree);
    }
    // The parent's tree with only the changed paths replaced: the folders on their way are
    // rewritten and every other tree is kept by id, so a commit costs what changed, not the
    // size of the repository (reading the whole tree into an index did).
    // Removals go first, in a step of their own: a file replaced by a folder of the same
    // name (a.md deleted here, a.md/x.md written) is one change, which libgit2 refuses as
    // one batch of updates.
    std::vector<git_tree_update> removals;
    std::vector<git_tree_update> upserts;
    std::vector<std::string> written;
    for (const GitChange& change : changes) {
      git_tree_update update{};
      update.path = change.path.c_str();
      if (!change.content) {
        if (!HasEntry(base.get(), change.path)) continue;  // already gone: nothing to delete
        update.action = GIT_TREE_UPDATE_REMOVE;
        removals.push_back(update);
        continue;
      }
      update.action = GIT_TREE_UPDATE_UPSERT;
      // A doc replaces a file's text and keeps its mode (an executable bit stays); it never
      // replaces a link or a submodule.
      const git_filemode_t existing = EntryMode(base.get(), change.path);
      if (std::string why = NotAFileOfText(existing, change.path); !why.empty()) {
        return Status::PreconditionFailed(why + ", not a file: a doc cannot replace it (rename the doc, or remove "
                                          "that entry from the repository)");
      }
      update.filemode = existing == GIT_FILEMODE_BLOB_EXECUTABLE ? existing : GIT_FILEMODE_BLOB;
      if (int rc = git_blob_create_from_buffer(&update.id, r, change.content->data(), change.content->size());
          rc < 0) {
        return MapGitError(rc, "writing " + change.path);
      }
      upserts.push_back(update);
      written.push_back(change.path);
    }
    git_oid tree_id;
    git_tree* baseline = base.get();
    Tree after_removals;
    if (!removals.empty()) {
      if (int rc = git_tree_create_updated(&tree_id, r, baseline, removals.size(), removals.data()); rc < 0) {
        return MapGitError(rc, "writing the tree");
      }
      git_tree* raw = nullptr;
      if (int rc = git_tree_lookup(&raw, r, &tree_id); rc < 0) return MapGitError(rc, "reading the new tree");
      after_removals.reset(raw);
      baseline = after_removals.get();
    }
    if (!upserts.empty() || removals.empty()) {
      if (int rc = git_tree_create_updated(&tree_id, r, baseline, upserts.size(), upserts.data()); rc < 0) {
        // A doc where the repository has a folder of other files (or the reverse) is the
        // repository's to change, not a failure of this server.
        if (std::string clash = FileFolderClash(baseline, written); !clash.empty()) {
          return Status::PreconditionFailed(clash + "; a name cannot be a file and a folder at once");
        }
        return MapGitError(rc, "writing the tree");
      }
    }
    git_tree* raw_tree = nullptr;
    if (int rc = git_tree_lookup(&raw_tree, r, &tree_id); rc < 0) return MapGitError(rc, "reading the new tree");
    Tree tree(raw_tree);
    git_signature* raw_sig = nullptr;
    if (int rc = git_signature_now(&raw_sig, author.name.c_str(), author.email.c_str()); rc < 0) {
      return MapGitError(rc, "invalid commit author");
    }
    Signature sig(raw_sig);
    const git_commit* parents[] = {parent.get()};
    git_oid commit_id;
    if (int rc = git_commit_create(&commit_id, r, nullptr, sig.get(), sig.get(), nullptr, message.c_str(), tree.get(),
                                   parent ? 1 : 0, parents);
        rc < 0) {
      return MapGitError(rc, "creating the commit failed");
    }
    return OidText(commit_id);
  }

  Status Push(const GitTarget& target, const std::string& commit_id, const std::string& expected_head) override {
    LIBSYNC_RETURN_IF_ERROR(CheckNotCancelled());
    LIBSYNC_RETURN_IF_ERROR(CheckLocalRemote(target.url));
    auto guard = LockProject(target.project_id);
    auto repo = OpenCache(target);
    if (!repo) return repo.error();
    git_oid oid;
    if (!ParseOid(commit_id, &oid)) return BadId(commit_id);
    // Push needs a local ref as its source; a private one keeps user-visible refs clean.
    const std::string local = "refs/libsync/push/" + target.branch;
    git_reference* raw_ref = nullptr;
    if (int rc = git_reference_create(&raw_ref, *repo, local.c_str(), &oid, 1, "libsync push"); rc < 0) {
      return MapGitError(rc, "preparing the push failed");
    }
    Reference ref(raw_ref);
    auto remote = AnonymousRemote(*repo, target);
    if (!remote) return remote.error();
    // A network remote moves the branch itself, never forced ("+" absent): one that moved
    // past expected_head rejects the push. libgit2's local transport checks only the head it
    // listed and then moves the branch without looking again, so a push by someone else in
    // between would be lost: a local remote gets the objects under a ref of their own, and
    // the branch is moved here, by compare-and-swap (MoveLocalBranch).
    const std::string branch = "refs/heads/" + target.branch;
    const std::string local_path = LocalRemotePath(target.url);
    const std::string incoming = local_path.empty() ? "" : std::string(kIncomingRefs) + commit_id;
    const std::string refspec = local_path.empty() ? local + ":" + branch : "+" + local + ":" + incoming;
    char* specs[] = {const_cast<char*>(refspec.c_str())};
    git_strarray refspecs{specs, 1};
    struct PushState {
      CredentialPayload creds;
      std::string rejection;
    } state{{&options_.token_username, &target.token}, {}};
    git_push_options push = GIT_PUSH_OPTIONS_INIT;
    push.callbacks.credentials = ProvideCredentials;
    push.callbacks.payload = &state;
    push.callbacks.push_update_reference = [](const char* refname, const char* status, void* payload) -> int {
      if (status) static_cast<PushState*>(payload)->rejection = std::string(refname) + ": " + status;
      return 0;
    };
    // The credential callback reads the payload as CredentialPayload, the first member.
    static_assert(offsetof(PushState, creds) == 0);
    {
      const TransferScope scope(Limits());
      if (int rc = git_remote_push(remote->get(), &refspecs, &push); rc < 0) {
        // The remote may have taken the commit before it went quiet; nothing is recorded
        // here, and the next export's import finds out either way.
        if (!incoming.empty()) DropIncomingRef(local_path, incoming);
        return TransferError(scope, rc, "push to the remote failed", target, options_, "nothing was recorded");
      }
    }
    if (!state.rejection.empty()) {
      if (!incoming.empty()) DropIncomingRef(local_path, incoming);
      return Rejected(state.rejection);
    }
    if (!incoming.empty()) LIBSYNC_RETURN_IF_ERROR(MoveLocalBranch(local_path, branch, incoming, oid, expected_head));
    git_reference* tracking = nullptr;
    if (git_reference_create(&tracking, *repo, RemoteTrackingRef(target.branch).c_str(), &oid, 1,
                             "libsync push") == 0) {
      git_reference_free(tracking);
    }
    return Status::Ok();
  }

  Status Forget(const std::string& project_id) override {
    if (!UsableProjectId(project_id)) return Status::InvalidArgument("project id is not usable as a cache directory name");
    ProjectCache& cache = CacheOf(project_id);
    const std::lock_guard guard(cache.mutex);
    cache.repo.reset();
    cache.forgotten = true;
    std::error_code ec;
    std::filesystem::remove_all(CachePath(project_id), ec);
    if (ec) return Status::Internal("removing the git cache of deleted project " + project_id + ": " + ec.message());
    return Status::Ok();
  }

 private:
  // What the remote's last advertisement (libgit2 keeps it after the transfer) says `ref`
  // points at, or "" when it does not list it.
  static Result<std::string> AdvertisedId(git_remote* remote, const std::string& ref) {
    const git_remote_head** heads = nullptr;
    std::size_t count = 0;
    if (int rc = git_remote_ls(&heads, &count, remote); rc < 0) return MapGitError(rc, "listing the remote's branches");
    for (std::size_t i = 0; i < count; ++i) {
      if (ref == heads[i]->name) return OidText(heads[i]->oid);
    }
    return std::string();
  }

  // Where a push leaves a local remote's new objects until its branch has moved: one ref
  // per commit, removed right after, whether the push succeeded, failed or was refused
  // (one left by a server that died meanwhile only keeps its objects alive).
  static constexpr std::string_view kIncomingRefs = "refs/libsync/incoming/";

  static Status Rejected(const std::string& why) {
    return Status(ErrorCode::kPreconditionFailed, "the remote refused the push (" + why + ")", {}, "git2/rejected");
  }

  static void DropRef(git_repository* repo, const std::string& ref) {
    git_reference* found = nullptr;
    if (git_reference_lookup(&found, repo, ref.c_str()) == 0) {
      git_reference_delete(found);
      git_reference_free(found);
    }
  }

  // A push that failed or was refused may still have left its objects' ref in the local
  // remote (the transfer can end after the remote took them).
  static void DropIncomingRef(const std::string& path, const std::string& incoming) {
    git_repository* raw = nullptr;
    if (git_repository_open(&raw, path.c_str()) < 0) return;
    Repository remote(raw);
    DropRef(remote.get(), incoming);
  }

  // Moves the branch of the local remote at `path` from `expected_head` ("": the branch
  // does not exist yet) to `commit`, or refuses when it is elsewhere: libgit2 compares the
  // ref under its lock file, as git's receive-pack does. The incoming ref goes either way.
  static Status MoveLocalBranch(const std::string& path, const std::string& branch, const std::string& incoming,
                                const git_oid& commit, const std::string& expected_head) {
    git_repository* raw = nullptr;
    if (int rc = git_repository_open(&raw, path.c_str()); rc < 0) return MapGitError(rc, "opening the remote failed");
    Repository remote(raw);
    git_oid expected;
    if (!expected_head.empty() && !ParseOid(expected_head, &expected)) {
      DropRef(remote.get(), incoming);
      return BadId(expected_head);
    }
    git_reference* moved = nullptr;
    const int rc = expected_head.empty()
                       ? git_reference_create(&moved, remote.get(), branch.c_str(), &commit, 0, "libsync push")
                       : git_reference_create_matching(&moved, remote.get(), branch.c_str(), &commit, 1, &expected,
                                                       "libsync push");
    git_reference_free(moved);
    DropRef(remote.get(), incoming);
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ENOTFOUND) {
      return Rejected(branch + ": it moved meanwhile");
    }
    if (rc < 0) return MapGitError(rc, "moving the remote's branch failed");
    return Status::Ok();
  }

  TransferLimits Limits() const {
    return {options_.connect_timeout, options_.idle_timeout,
            std::chrono::steady_clock::now() + options_.transfer_timeout, options_.cancel};
  }

  Status CheckNotCancelled() const {
    if (options_.cancel && options_.cancel->load()) {
      return Status::Unavailable("the server is shutting down; no git transfer was started", "git2/cancelled");
    }
    return Status::Ok();
  }

  // A project id names its cache folder, so it must be a plain name.
  static bool UsableProjectId(const std::string& id) {
    return !id.empty() &&
           id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == std::string::npos;
  }

  /// A project's cache repository stays open between calls (opening one costs far more
  /// than reading a blob from it); the per-project mutex makes each single-threaded.
  struct ProjectCache {
    std::mutex mutex;
    Repository repo;
    /// Set by Forget: a sync of the deleted project still running (it read the project
    /// before the deletion) gets an error from its next call instead of a new copy. The
    /// entry stays, a few bytes per project deleted while the process runs.
    bool forgotten = false;
  };

  ProjectCache& CacheOf(const std::string& project_id) {
    MutexLock lock(caches_mutex_);
    return caches_[project_id];
  }

  std::string CachePath(const std::string& project_id) const { return options_.cache_dir + "/" + project_id + ".git"; }

  std::unique_lock<std::mutex> LockProject(const std::string& project_id) {
    return std::unique_lock(CacheOf(project_id).mutex);
  }

  // The project id names a directory, so only ids of safe characters are accepted.
  // Called with the project's mutex held.
  Result<git_repository*> OpenCache(const GitTarget& target) {
    InitLibgit2Once();
    if (!UsableProjectId(target.project_id)) {
      return Status::InvalidArgument("project id is not usable as a cache directory name");
    }
    ProjectCache& cache = CacheOf(target.project_id);
    if (cache.repo) return cache.repo.get();
    if (cache.forgotten) return Status::NotFound("project " + target.project_id + " was deleted");
    LIBSYNC_ASSIGN_OR_RETURN(cache.repo, OpenCacheRepository(target, /*create=*/true));
    return cache.repo.get();
  }

  // A second handle on a cache that OpenCache opened, for another thread's reads. Called
  // with the project's mutex held (by the thread that waits for this one).
  Result<Repository> OpenCacheAgain(const GitTarget& target) { return OpenCacheRepository(target, /*create=*/false); }

  // The project's bare cache repository (made when missing and `create`), with a local
  // remote's objects borrowed.
  Result<Repository> OpenCacheRepository(const GitTarget& target, bool create) {
    const std::string path = CachePath(target.project_id);
    git_repository* raw = nullptr;
    int rc = git_repository_open_bare(&raw, path.c_str());
    if (rc == GIT_ENOTFOUND && create) rc = git_repository_init(&raw, path.c_str(), /*is_bare=*/1);
    if (rc < 0) return MapGitError(rc, "opening the cache repository failed");
    Repository repo(raw);
    BorrowLocalObjects(raw, target.url);
    return repo;
  }

  static Result<std::string> ReadBlobIn(git_repository* repo, const std::string& blob_id, std::size_t max_bytes) {
    git_oid oid;
    if (!ParseOid(blob_id, &oid)) return BadId(blob_id);
    // The size first, from the object's header: a blob is inflated whole into memory.
    git_odb* raw_odb = nullptr;
    if (int rc = git_repository_odb(&raw_odb, repo); rc < 0) return MapGitError(rc, "blob " + blob_id);
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    const int header = git_odb_read_header(&size, &type, raw_odb, &oid);
    git_odb_free(raw_odb);
    if (header < 0) return MapGitError(header, "blob " + blob_id);
    if (type != GIT_OBJECT_BLOB) {  // a hand-made tree naming another object as a file
      return Status::PreconditionFailed("the repository names object " + blob_id + " as a file, but it is a " +
                                        git_object_type2string(type) + "; repair it in the repository");
    }
    if (size > max_bytes) {
      return Status::TooLarge("blob " + blob_id + " has " + std::to_string(size) + " bytes, over " +
                              std::to_string(max_bytes));
    }
    git_blob* raw = nullptr;
    if (int rc = git_blob_lookup(&raw, repo, &oid); rc < 0) return MapGitError(rc, "blob " + blob_id);
    Blob blob(raw);
    return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                       static_cast<std::size_t>(git_blob_rawsize(blob.get())));
  }

  // A local remote's objects are read in place, as `git clone --shared` does: libgit2's
  // local transport would otherwise rebuild and re-index a pack of the whole history on
  // the first fetch. Fetch then only moves refs, and push still copies new objects over.
  static void BorrowLocalObjects(git_repository* repo, const std::string& url) {
    const std::string objects = LocalObjectsDir(url);
    if (objects.empty()) return;
    git_odb* odb = nullptr;
    if (git_repository_odb(&odb, repo) == 0) {
      git_odb_add_disk_alternate(odb, objects.c_str());
      git_odb_free(odb);
    }
  }

  // The objects folder of a local remote (bare or not), or "" for any other remote.
  static std::string LocalObjectsDir(const std::string& url) {
    const std::string path = LocalRemotePath(url);
    if (path.empty()) return "";
    std::error_code ec;
    const std::string root = std::filesystem::absolute(path, ec).string();
    for (const std::string& objects : {root + "/objects", root + "/.git/objects"}) {
      if (std::filesystem::is_directory(objects, ec)) return objects;
    }
    return "";
  }

  // Every objects folder a cache repository reads: its own and a borrowed local remote's.
  static std::vector<std::string> ObjectDirs(git_repository* repo, const std::string& url) {
    std::vector<std::string> dirs{std::string(git_repository_path(repo)) + "objects"};
    if (std::string borrowed = LocalObjectsDir(url); !borrowed.empty()) dirs.push_back(std::move(borrowed));
    return dirs;
  }

  // The tree at `dir` inside `commit_id`, or null when that folder does not exist.
  Result<Tree> TreeAt(git_repository* repo, const std::string& commit_id, const std::string& dir) {
    git_oid oid;
    if (!ParseOid(commit_id, &oid)) return BadId(commit_id);
    git_commit* raw_commit = nullptr;
    if (int rc = git_commit_lookup(&raw_commit, repo, &oid); rc < 0) return MapGitError(rc, "commit " + commit_id);
    CommitObject commit(raw_commit);
    git_tree* raw_root = nullptr;
    if (int rc = git_commit_tree(&raw_root, commit.get()); rc < 0) return MapGitError(rc, "commit tree");
    Tree root(raw_root);
    if (dir.empty()) return root;
    git_tree_entry* raw_entry = nullptr;
    const int rc = git_tree_entry_bypath(&raw_entry, root.get(), dir.c_str());
    if (rc == GIT_ENOTFOUND) return Tree();
    if (rc < 0) return MapGitError(rc, "folder " + dir);
    TreeEntry entry(raw_entry);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) return Tree();
    git_tree* sub = nullptr;
    if (int lookup = git_tree_lookup(&sub, repo, git_tree_entry_id(entry.get())); lookup < 0) {
      return MapGitError(lookup, "folder " + dir);
    }
    return Tree(sub);
  }

  Git2RemoteOptions options_;
  Mutex caches_mutex_;
  // A ProjectCache's own members are guarded by its `mutex`, which LockProject hands to the
  // caller for a whole operation: which mutex that is depends on the project, so the
  // analysis cannot follow it and those members carry no annotation.
  std::map<std::string, ProjectCache> caches_ LIBSYNC_GUARDED_BY(caches_mutex_);  // nodes never move, so pointers stay valid
};

}  // namespace

Result<std::unique_ptr<GitRemote>> MakeGit2Remote(const Git2RemoteOptions& options) {
  if (options.cache_dir.empty()) return Status::InvalidArgument("git cache directory is not set");
  using std::chrono::milliseconds;
  if (options.idle_timeout <= milliseconds(0) || options.connect_timeout <= milliseconds(0) ||
      options.transfer_timeout <= milliseconds(0)) {
    return Status::InvalidArgument("git transfer timeouts must be positive");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.cache_dir, ec);
  if (ec) return Status::InvalidArgument("cannot create git cache directory " + options.cache_dir + ": " + ec.message());
  return std::unique_ptr<GitRemote>(new Git2Remote(options));
}

}  // namespace libsync::git
