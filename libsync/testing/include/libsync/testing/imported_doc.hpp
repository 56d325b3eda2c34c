#pragma once
// A new doc as a first import makes it, for tests of Transaction::InsertNewDocs.

#include <string>
#include <string_view>

#include "libsync/ports/store.hpp"

namespace libsync::testing {

/// Version 1 of `text` named `file_name` in `project_id`, written by "git:main" at `at`
/// from the blob of that text (its base, as an import leaves it), with ids `id` for the
/// doc and `version_id` for its first version.
NewDoc ImportedDoc(std::string_view project_id, std::string_view file_name, std::string_view text,
                   std::string id, std::string version_id, Timestamp at = {});

}  // namespace libsync::testing
