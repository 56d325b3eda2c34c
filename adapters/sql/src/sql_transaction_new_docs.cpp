// SqlTransaction: many new docs at once, each with its first version (a first import).
// Multi-row INSERTs: on PostgreSQL a statement per row was a round trip per row, and on
// both databases a chunk of rows costs one statement's bind, step and reset.

#include <array>
#include <unordered_set>

#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {
namespace {

// Rows per statement: full chunks, then smaller ones for the rest, so each connection keeps
// three texts per table (not one per remainder). 64 rows of at most 11 values stay far below
// either database's limit on parameters (SQLite 32766, PostgreSQL 65535).
constexpr std::array<std::size_t, 3> kRowsPerStatement = {64, 8, 1};

std::string ValuesRows(std::size_t rows, std::size_t columns) {
  std::string out;
  for (std::size_t r = 0; r < rows; ++r) {
    out += r ? ", (" : "(";
    for (std::size_t c = 0; c < columns; ++c) out += c ? ", :v" : ":v";
    out += ")";
  }
  return out;
}

/// The statement for `rows` rows, one of kRowsPerStatement (index `size`).
const std::string& InsertDocsSql(std::size_t size) {
  static const std::array<std::string, 3> texts = [] {
    std::array<std::string, 3> out;
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt",
             "updatedAt", "baseBlobOid", "updatedBy", "blobOid") VALUES )" +
               ValuesRows(kRowsPerStatement[i], 11) + R"( ON CONFLICT DO NOTHING RETURNING "id")";
    }
    return out;
  }();
  return texts[size];
}

// Without "content": the first version's text is its doc's, stored once in "Doc" until the
// doc's text changes (migration 11, UpdateDoc).
const std::string& InsertVersionsSql(std::size_t size) {
  static const std::array<std::string, 3> texts = [] {
    std::array<std::string, 3> out;
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version",
             "hash", "author", "source", "createdAt", "blobOid") VALUES )" +
               ValuesRows(kRowsPerStatement[i], 10) + " ON CONFLICT DO NOTHING";
    }
    return out;
  }();
  return texts[size];
}

/// Calls `run(first, count, size)` for consecutive slices of `total` items covering them
/// all, each `count` = kRowsPerStatement[size] long.
template <class Run>
void InSlices(std::size_t total, Run&& run) {
  std::size_t next = 0;
  for (std::size_t size = 0; size < kRowsPerStatement.size(); ++size) {
    const std::size_t count = kRowsPerStatement[size];
    for (; total - next >= count; next += count) run(next, count, size);
  }
}

// Query binds variables by address and only reads them: the caller's const text is bound
// as it is rather than copied (a doc's content can be a megabyte).
std::string& Bound(const std::string& text) { return const_cast<std::string&>(text); }

}  // namespace

Result<std::vector<std::string>> SqlTransaction::InsertNewDocs(std::span<const NewDoc> docs) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Result<std::vector<std::string>> {
    // The values that are not text already, formatted once for both statements.
    std::vector<std::string> created(docs.size()), updated(docs.size()), sources(docs.size());
    std::vector<long long> versions(docs.size());
    for (std::size_t i = 0; i < docs.size(); ++i) {
      created[i] = FormatTimestamp(docs[i].doc.created_at);
      updated[i] = FormatTimestamp(docs[i].doc.updated_at);
      sources[i] = std::string(SourceName(docs[i].source));
      versions[i] = docs[i].doc.version;
    }
    std::unordered_set<std::string> inserted;  // doc ids
    InSlices(docs.size(), [&](std::size_t first, std::size_t count, std::size_t size) {
      Query q(channel_);
      std::string id;
      q.Into(id);
      for (std::size_t i = first; i < first + count; ++i) {
        const Doc& d = docs[i].doc;
        q.Use(Bound(d.id)).Use(Bound(d.project_id)).Use(Bound(d.file_name)).Use(Bound(d.content)).Use(Bound(d.hash))
            .Use(versions[i]).Use(created[i]).Use(updated[i]).Use(Bound(d.base_blob_oid)).Use(Bound(d.updated_by))
            .Use(Bound(d.blob_oid));
      }
      for (bool more = q.Run(InsertDocsSql(size)); more; more = q.Next()) inserted.insert(id);
    });
    std::vector<std::string> taken;
    std::vector<std::size_t> written;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      if (inserted.count(docs[i].doc.id)) {
        written.push_back(i);
      } else {
        taken.push_back(docs[i].doc.file_name);
      }
    }
    bool version_exists = false;
    InSlices(written.size(), [&](std::size_t first, std::size_t count, std::size_t size) {
      Query q(channel_);
      for (std::size_t w = first; w < first + count; ++w) {
        const std::size_t i = written[w];
        const NewDoc& n = docs[i];
        q.Use(Bound(n.version_id)).Use(Bound(n.doc.id)).Use(Bound(n.doc.project_id)).Use(Bound(n.doc.file_name))
            .Use(versions[i]).Use(Bound(n.doc.hash)).Use(Bound(n.author)).Use(sources[i])
            .Use(created[i]).Use(Bound(n.doc.blob_oid));
      }
      q.Run(InsertVersionsSql(size));
      if (q.Affected() != static_cast<long long>(count)) version_exists = true;
    });
    if (version_exists) return Status::PreconditionFailed("a version id of the new docs exists");
    return taken;
  });
}

}  // namespace libsync::sql
