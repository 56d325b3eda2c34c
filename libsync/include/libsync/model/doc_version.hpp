#pragma once
// DocVersion and VersionSource: one version of a document in its history.

#include <cstdint>
#include <string>
#include <string_view>

#include "libsync/model/doc.hpp"
#include "libsync/timestamp.hpp"

namespace libsync {

/// Where a version came from: a write through the API (kApi), the lead's web app (kWeb,
/// which says so when it saves), an import from git, or a revert.
enum class VersionSource { kApi, kGit, kRevert, kWeb };

std::string_view SourceName(VersionSource source) noexcept;  ///< "api", "git", "revert", "web"
bool ParseSource(std::string_view text, VersionSource* out) noexcept;

/// One version of a document as it was written. Every version, the current one included,
/// is kept, so history lists who wrote what and any version can be read back or restored.
struct DocVersion {
  std::string id;
  std::string doc_id;
  std::string project_id;
  std::string file_name;
  std::int64_t version = 1;
  std::string content;
  std::string hash;
  std::string author;
  VersionSource source = VersionSource::kApi;
  Timestamp created_at{};
  std::string blob_oid;  ///< git blob id of `content`; empty for versions written before it was kept
};

/// A doc written for the first time, as an import creates many at once
/// (Transaction::InsertNewDocs): the doc at version 1 and what its first DocVersion adds.
/// That version's content, hash and blob id are the doc's, written at its createdAt.
struct NewDoc {
  Doc doc;
  std::string version_id;
  std::string author;
  VersionSource source = VersionSource::kApi;
};

}  // namespace libsync
