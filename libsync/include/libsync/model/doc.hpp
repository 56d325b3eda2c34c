#pragma once
// Doc and DocSummary: the current text of one document as stored, and the same without
// its content.

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
};

/// A document without its content, for hashing and listings.
struct DocSummary {
  std::string file_name;
  std::string hash;
  std::int64_t version = 1;
  Timestamp updated_at{};
  std::string base_blob_oid;  ///< as in Doc: what git sync compares against
};

}  // namespace libsync
