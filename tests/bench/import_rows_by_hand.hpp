#pragma once
// The database's own part of a first import, written by hand, for the git sync benchmark:
// what the same rows cost SQLite with nothing of libsync around them.

#include <string>
#include <vector>

namespace libsync::bench {

/// One file of the import as the store keeps it: its name relative to the docsPath, its
/// text, and the hash and git blob id an import computes before writing.
struct ImportedFile {
  std::string file_name, content, hash, blob_id;
};

/// What is written per file: every row a first import writes, or the "Doc" row alone (what
/// the import would cost the database without its history row and event).
enum class ImportRows { kAll, kDocsOnly };

/// Writes what a first import of `files` writes into the SQLite store at `url` (its schema
/// made, project `project_id` in it, no doc yet), on one connection opened as the store
/// opens its own (sql::OpenConnection), in one BEGIN IMMEDIATE ... COMMIT, each statement
/// prepared once and every value made before the clock starts: per file a "Doc" row with
/// its text, a "DocVersion" row without it (a first version's text is the doc's, migration
/// 11) and a doc:updated "Event" row; then the sync:completed event naming every file, the
/// project's record of the import with its event counter, and the clearing of its stored
/// conflicts (kDocsOnly: the "Doc" rows alone). Give `files` in name order, the order the
/// import writes them in. Returns the seconds from BEGIN to the end of COMMIT. Exits
/// unless every row is there afterwards, the events numbered after the project's last.
double WriteImportRowsByHand(const std::string& url, const std::string& project_id,
                             const std::vector<ImportedFile>& files, ImportRows rows = ImportRows::kAll);

}  // namespace libsync::bench
