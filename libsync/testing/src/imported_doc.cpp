#include "libsync/testing/imported_doc.hpp"

#include <utility>

#include "libsync/hashing.hpp"

namespace libsync::testing {

NewDoc ImportedDoc(std::string_view project_id, std::string_view file_name, std::string_view text,
                   std::string id, std::string version_id, Timestamp at) {
  NewDoc n;
  Doc& d = n.doc;
  d.id = std::move(id);
  d.project_id = std::string(project_id);
  d.file_name = std::string(file_name);
  d.content = std::string(text);
  d.hash = Sha256Hex(text);
  d.version = 1;
  d.created_at = d.updated_at = at;
  d.blob_oid = GitBlobId(text);
  d.base_blob_oid = d.blob_oid;
  d.updated_by = "git:main";
  n.version_id = std::move(version_id);
  n.author = "git:main";
  n.source = VersionSource::kGit;
  return n;
}

}  // namespace libsync::testing
