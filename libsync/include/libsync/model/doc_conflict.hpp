#pragma once
// DocConflict: a doc the last import could not bring together with the repository, kept
// until a write resolves it or a later import no longer finds it.

#include <optional>
#include <string>
#include <string_view>

#include "libsync/timestamp.hpp"

namespace libsync {

/// The id a conflict gives the repository's side when the repository deleted the file:
/// git's id for "no object", as `git diff` shows it for a deleted file.
inline constexpr std::string_view kNoBlobId = "0000000000000000000000000000000000000000";

/// One conflicted doc as the last import saw it. The local side is the doc itself (or its
/// absence, when it was deleted here), read when the conflict is listed.
struct DocConflict {
  std::string project_id;
  std::string file_name;
  std::string reason;
  std::string commit;            ///< the repository head the import saw
  std::string base_blob_oid;     ///< last synced blob; empty when never synced
  /// The repository's blob for the file: kNoBlobId when it deleted the file, empty when
  /// it holds nothing a doc can take (an invalid name, a change made here during the import).
  std::string remote_blob_oid;
  std::optional<std::string> base_content;    ///< when it is text the store would accept
  std::optional<std::string> remote_content;  ///< likewise
  Timestamp detected_at{};
};

}  // namespace libsync
