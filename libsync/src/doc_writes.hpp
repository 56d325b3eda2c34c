#pragma once
// Document writes shared by the doc use cases and git sync: the rules every change of a
// doc's content goes through, whoever makes it.

#include <optional>
#include <string>
#include <string_view>

#include "libsync/doc_service.hpp"
#include "unit_of_work.hpp"

namespace libsync::detail {

/// kPreconditionFailed (details: currentVersion) when `guard` expects another version;
/// `current` is null for a doc that does not exist (version 0).
Status CheckExpectedVersion(const WriteGuard& guard, const Doc* current);

/// Size limit, UTF-8 and no NUL.
Status CheckContent(const ServiceContext& ctx, std::string_view content);

/// The doc or nullopt when absent; other failures are returned.
Result<std::optional<Doc>> FindDoc(Transaction& tx, std::string_view project_id, std::string_view file_name);

/// The shared body of every content write: expected version, no-op detection, the new
/// version and its history row, and the doc:updated event. The caller has locked the
/// project and checked the lock rule.
struct ContentWrite {
  const ServiceContext& ctx;
  std::string_view project_id;
  std::string_view file_name;
  std::string_view content;
  const std::string& hash;
  const WriteGuard& guard;
  const std::string& author;
  VersionSource source;
  Timestamp now;
  /// Git sync records the blob the content was synced with; other writes keep it. A doc
  /// created where a tombstone lies takes the tombstone's blob instead (the name was
  /// deleted and written again since the last sync: an edit, for git).
  std::optional<std::string> base_blob_oid = std::nullopt;
  /// The git blob id of `content` when the caller already has it (an import that read the
  /// text from that blob), which saves hashing the text again; computed when empty.
  std::string_view content_blob_oid = {};
  /// Whether a new doc may lie where a tombstone does. An import knows there is none for
  /// the files it creates (it skips tombstoned ones), and saves a statement per new doc.
  bool may_replace_tombstone = true;

  Status Run(Transaction& tx, EventBatch& events, const Doc* current, DocWriteResult& out) const;
};

/// A doc written for the first time by `author`: version 1 of `content`, whose hash and
/// git blob id the caller has (an import read the text from that blob), with its first
/// history row; what ContentWrite writes for a new doc, for Transaction::InsertNewDocs.
NewDoc MakeNewDoc(const ServiceContext& ctx, std::string_view project_id, std::string_view file_name,
                  std::string content, std::string hash, std::string blob_oid, std::string base_blob_oid,
                  const std::string& author, VersionSource source, Timestamp now);

/// The doc:updated event of a content write that made `doc`'s current version.
Status AppendDocUpdated(EventBatch& events, const Doc& doc, VersionSource source, bool created);

/// Deletes `doc` with its history and records doc:deleted by `by`. For a deletion the
/// repository made (an import), which has nothing left to push.
Status DeleteDoc(Transaction& tx, EventBatch& events, const Doc& doc, std::string_view by);

/// As DeleteDoc, for a deletion made here: a doc synced with git before leaves a
/// tombstone, so the next export deletes its file (DocTombstone).
Status DeleteDocLocally(Transaction& tx, EventBatch& events, const Doc& doc, std::string_view by, Timestamp now);

}  // namespace libsync::detail
