#pragma once
// Which docs an export pushes (Transaction::ListDocsToExport): those whose blob id is not
// their base's, or unknown. The condition of migration 10's partial index, and the query's
// word for word, since SQLite uses a partial index only for a query whose WHERE repeats
// its condition. Kept free of the query headers so tests can EXPLAIN the same text.

namespace libsync::sql {

inline constexpr const char* kDocToExport = R"(("blobOid" <> "baseBlobOid" OR "blobOid" = ''))";

}  // namespace libsync::sql
