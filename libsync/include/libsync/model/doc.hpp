#pragma once
// Doc and DocSummary: the current text of one document as stored, and the same without
// its content; DocTombstone: a synced doc deleted locally, until git hears of it.

#include <cstdint>
#include <string>

#include "libsync/timestamp.hpp"

namespace libsync {

/// The current text of one document. `hash` is the lowercase hex SHA-256 of `content`;
/// `version` starts at 1 and grows by one with every change of content.
struct Doc {
  std::string id;
  std::string project_id;
  std::string file_name;  ///< path relative to the project's docsPath, '/'-separated
  std::string content;
  std::string hash;
  std::int64_t version = 1;
  Timestamp created_at{};
  Timestamp updated_at{};
  std::string base_blob_oid;  ///< git blob id last synced with; empty if never synced
  std::string updated_by;
  /// The git blob id of `content`, computed when it is written, so git sync tells a
  /// changed doc from an unchanged one without reading its text; empty for rows written
  /// before it was kept (then computed from the content when needed).
  std::string blob_oid;
};

/// A document without its content, for hashing and listings.
struct DocSummary {
  std::string file_name;
  std::string hash;
  std::int64_t version = 1;
  Timestamp updated_at{};
  std::string base_blob_oid;  ///< as in Doc: what git sync compares against
  std::string blob_oid;       ///< as in Doc
};

/// A doc deleted locally after it had been synced with git, kept until the deletion
/// reaches the repository (the next export removes the file) or the repository deletes
/// the file too. Without it, the next import would bring the file back as a new doc.
struct DocTombstone {
  std::string project_id;
  std::string file_name;
  std::string base_blob_oid;  ///< the blob the doc was last synced with
  Timestamp deleted_at{};
  std::string deleted_by;
};

}  // namespace libsync
