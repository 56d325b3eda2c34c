#pragma once
// GitRemote port: the git operations that import and export need, in terms of blob ids so
// the core can tell what changed without reading unchanged files.

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libsync/result.hpp"

namespace libsync {

/// Which remote and branch; `token` is the plain git token, decrypted only in memory for
/// the duration of the call. Implementations never log it or put it in an error.
struct GitTarget {
  std::string project_id;  ///< names the adapter's local cache of this remote
  std::string url;
  std::string branch;
  std::string token;
};

/// A file in a tree: its path relative to the directory that was listed, and its blob id.
struct GitFile {
  std::string path;
  std::string blob_id;
  /// A symbolic link or a submodule: no doc's file. Listed so an import can report it as
  /// left alone (and a doc of its name is an export's 412, not a silent replacement).
  bool not_a_file = false;
};

/// One file of a commit: new content, or nullopt to delete the path.
struct GitChange {
  std::string path;  ///< relative to the repository root
  std::optional<std::string> content;
};

struct GitAuthor {
  std::string name = "libsync";
  std::string email = "libsync@localhost";
};

/// Result of a three-way merge of one file.
struct GitMerge {
  bool clean = false;
  std::string content;  ///< merged text when clean
};

/// Implementations must be safe for concurrent calls on different projects; calls for one
/// project may be serialized by the implementation.
class GitRemote {
 public:
  virtual ~GitRemote() = default;

  /// Fetches `target.branch` and returns its head commit id, or empty when the branch
  /// does not exist yet. Expected errors: kNotFound (no such remote),
  /// kPermissionDenied (credentials rejected), kUnavailable (network).
  virtual Result<std::string> Fetch(const GitTarget& target) = 0;

  /// The head commit of `target.branch` on the remote, from its ref listing alone: nothing
  /// is fetched (polling asks this, and fetches only when it moved). Empty when the branch
  /// does not exist. Expected errors: as Fetch.
  virtual Result<std::string> RemoteHead(const GitTarget& target) = 0;

  /// Lists files under `dir` (relative to the root; empty = root) in fetched `commit`.
  /// Expected errors: kNotFound (no such commit).
  virtual Result<std::vector<GitFile>> ListTree(const GitTarget& target,
                                                const std::string& commit,
                                                const std::string& dir, bool recursive) = 0;

  static constexpr std::size_t kAnySize = std::numeric_limits<std::size_t>::max();

  /// Content of a fetched blob of at most `max_bytes`. A larger one is not read (a
  /// repository of a few megabytes can hold blobs of gigabytes of zeros), but refused with
  /// kTooLarge. Expected errors: kNotFound, kTooLarge.
  virtual Result<std::string> ReadBlob(const GitTarget& target, const std::string& blob_id,
                                       std::size_t max_bytes) = 0;

  /// Contents of fetched blobs, in the order of `blob_ids`: what ReadBlob gives for each,
  /// nullopt for one over `max_bytes`. A first import reads thousands; an implementation
  /// may read them side by side. Expected errors: kNotFound (any of them).
  virtual Result<std::vector<std::optional<std::string>>> ReadBlobs(const GitTarget& target,
                                                                    const std::vector<std::string>& blob_ids,
                                                                    std::size_t max_bytes) {
    std::vector<std::optional<std::string>> texts;
    texts.reserve(blob_ids.size());
    for (const std::string& id : blob_ids) {
      auto text = ReadBlob(target, id, max_bytes);
      if (!text && text.error().code() != ErrorCode::kTooLarge) return text.error();
      texts.push_back(text ? std::optional<std::string>(std::move(text).value()) : std::nullopt);
    }
    return texts;
  }

  /// Three-way merge of one file's texts; a conflict is a result (`clean` false, no
  /// content), not an error. Expected errors: none (kInternal if the merge itself fails).
  virtual Result<GitMerge> MergeFile(const std::string& base, const std::string& ours,
                                     const std::string& theirs) = 0;

  /// Writes one commit with `changes` on top of `parent` (empty: a root commit) and
  /// returns its id. Nothing is pushed yet. Expected errors: kNotFound (no such parent
  /// commit), kInvalidArgument (a malformed parent id).
  virtual Result<std::string> Commit(const GitTarget& target, const std::string& parent,
                                     const std::vector<GitChange>& changes,
                                     const std::string& message, const GitAuthor& author) = 0;

  /// Drops what the implementation keeps for a deleted project (a local copy of its
  /// repository): nothing of it stays on this machine, and a later call for the same id
  /// starts afresh. Waits for a call on the project that is running. Expected errors:
  /// kInternal (the copy could not be removed). Pure, so a wrapper cannot drop it unseen.
  virtual Status Forget(const std::string& project_id) = 0;

  /// Moves the remote branch from `expected_head` to `commit`, never forcing.
  /// Expected errors: kPreconditionFailed (the remote moved; fetch and retry),
  /// kPermissionDenied, kUnavailable.
  virtual Status Push(const GitTarget& target, const std::string& commit,
                      const std::string& expected_head) = 0;
};

}  // namespace libsync
