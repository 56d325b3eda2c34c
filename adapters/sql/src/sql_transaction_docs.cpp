// SqlTransaction: docs and their versions.

#include "doc_to_export.hpp"
#include "rows.hpp"
#include "sql_transaction.hpp"

namespace libsync::sql {

Result<Doc> SqlTransaction::GetDoc(std::string_view project_id, std::string_view file_name) {
  if (dialect_ == Dialect::kPostgres && HoldsProjectRow(project_id)) return GetHeldDoc(project_id, file_name);
  return Guard([&]() -> Result<Doc> {
    std::string pid(project_id), name(file_name);
    static const std::string sql =
        "SELECT " + DocColumns() + R"( FROM "Doc" WHERE "projectId" = :p AND "fileName" = :f)";
    auto rows = Collect<DocRow>(channel_, sql, [&](Query& q) { q.Use(pid).Use(name); });
    if (!rows.empty()) return std::move(rows.front());
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    return DocNotFound(file_name);
  });
}

Result<Doc> SqlTransaction::GetHeldDoc(std::string_view project_id, std::string_view file_name) {
  return Guard([&]() -> Result<Doc> {
    static const std::string doc_sql =
        "SELECT " + DocColumns() + R"( FROM "Doc" WHERE "projectId" = :p AND "fileName" = :f)";
    // A write replaces the doc, and the content write first makes sure the current
    // version is in the history (GetDocVersion): reading that row now saves the round trip.
    // Without its content: when its hash is the doc's, so is its content (SHA-256). In
    // the content's place, whether the row holds none (migration 11).
    static const std::string history_sql = "SELECT " + VersionColumnsMarkingTextInDoc() +
                                           R"( FROM "DocVersion" WHERE ("docId", "version") = )"
                                           R"((SELECT "id", "version" FROM "Doc" WHERE "projectId" = :p AND "fileName" = :f))";
    std::string pid(project_id), name(file_name);
    DocRow doc;
    Query d(channel_);
    doc.Bind(d);
    d.Use(pid).Use(name);
    VersionRow history;
    Query h(channel_);
    history.Bind(h);
    h.Use(pid).Use(name);
    read_doc_id_.clear();
    const auto [found, recorded] = Query::RunTogether(d, doc_sql, h, history_sql);
    // The project exists: this transaction holds its row.
    if (!found) return DocNotFound(file_name);
    Doc out = std::move(doc).Get();
    read_doc_history_.reset();
    read_doc_history_text_in_doc_ = false;
    if (recorded) {
      DocVersion version = std::move(history).Get();
      read_doc_history_text_in_doc_ = version.content == kTextInDoc;
      // A different text under the same version number (a row written elsewhere): leave
      // GetDocVersion to read it whole.
      if (version.hash != out.hash) return out;
      version.content = out.content;
      read_doc_history_ = std::move(version);
    }
    read_doc_id_ = out.id;
    read_doc_version_ = out.version;
    return out;
  });
}

bool SqlTransaction::ReadDocAt(std::string_view doc_id, std::int64_t version) const {
  return !read_doc_id_.empty() && read_doc_id_ == doc_id && read_doc_version_ == version;
}

Result<std::vector<Doc>> SqlTransaction::ListDocs(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<Doc>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    const std::string& sql = PerDialect(dialect_, [](Dialect d) {
      return "SELECT " + DocColumns() + R"( FROM "Doc" WHERE "projectId" = :p )" + OrderByFileName(d);
    });
    return Collect<DocRow>(channel_, sql, [&](Query& q) { q.Use(pid); });
  });
}

Result<std::vector<DocSummary>> SqlTransaction::ListDocSummaries(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<DocSummary>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    const std::string& sql = PerDialect(dialect_, [](Dialect d) {
      return "SELECT " + DocSummaryColumns() + R"( FROM "Doc" WHERE "projectId" = :p )" + OrderByFileName(d);
    });
    return Collect<DocSummaryRow>(channel_, sql, [&](Query& q) { q.Use(pid); });
  });
}

Result<std::vector<Doc>> SqlTransaction::ListDocsToExport(std::string_view project_id) {
  return Guard([&]() -> Result<std::vector<Doc>> {
    std::string pid(project_id);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    // The condition is migration 10's partial index's, word for word: both planners then
    // read only that index's entries, one per doc to push (EXPECT'd in SqlStoreSchema).
    const std::string& sql = PerDialect(dialect_, [](Dialect d) {
      return "SELECT " + DocColumns() + R"( FROM "Doc" WHERE "projectId" = :p AND )" + std::string(kDocToExport) +
             " " + OrderByFileName(d);
    });
    return Collect<DocRow>(channel_, sql, [&](Query& q) { q.Use(pid); });
  });
}

namespace {

/// `text` as a LIKE pattern that matches it alone (with ESCAPE '\').
std::string LikeLiteral(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<std::optional<std::string>> SqlTransaction::FindPathClash(std::string_view project_id,
                                                                 std::string_view file_name) {
  return Guard([&]() -> Result<std::optional<std::string>> {
    std::string pid(project_id), name(file_name);
    if (!ProjectExists(pid)) return ProjectNotFound(project_id);
    // Both fold ASCII letters alone: PostgreSQL's lower() under the "C" collation, whatever
    // the database's own; SQLite's lower() and LIKE (built without ICU, and the store never
    // sets case_sensitive_like). A name is a folder of another when it and a '/' begin
    // the other, found by position (instr, strpos).
    // SQLite visits every doc of the project, so each row is tested first with LIKE,
    // which builds no string: every clash begins with the name's first folder (or is
    // named like it), and a twin or a doc inside the name is a pattern of the name
    // itself. Only a row that may be a folder of the name gets the exact test: its own
    // name as a pattern, unescaped, matches more than itself ('%', '_'), never less.
    // At 10,000 docs this takes a lookup from about 10 to about 1 ms (docs/semantics.md).
    const std::string& sql = PerDialect(dialect_, [](Dialect d) -> std::string {
      if (d == Dialect::kPostgres) {
        return R"(SELECT "fileName" FROM "Doc" WHERE "projectId" = :p AND "fileName" <> :n AND
                  (lower("fileName" COLLATE "C") = lower(:n COLLATE "C")
                   OR strpos(lower(:n COLLATE "C"), lower("fileName" COLLATE "C") || '/') = 1
                   OR strpos(lower("fileName" COLLATE "C"), lower(:n COLLATE "C") || '/') = 1) )" +
               std::string(OrderByFileName(d)) + " LIMIT 1";
      }
      return R"(SELECT "fileName" FROM "Doc" WHERE "projectId" = :p AND "fileName" LIKE :top ESCAPE '\' AND
                "fileName" <> :n AND ("fileName" LIKE :same ESCAPE '\' OR "fileName" LIKE :inside ESCAPE '\'
                OR (length("fileName") < length(:n) AND :n LIKE "fileName" || '/%'
                    AND instr(lower(:n), lower("fileName") || '/') = 1)) )" +
             std::string(OrderByFileName(d)) + " LIMIT 1";
    });
    // The query binds these by address: they live until it has run.
    std::string same = LikeLiteral(name);
    std::string top = LikeLiteral(name.substr(0, name.find('/'))) + '%', inside = same + "/%";
    std::string other;
    Query q(channel_);
    q.Into(other).Use(pid);
    if (dialect_ == Dialect::kPostgres) {
      q.Use(name).Use(name).Use(name).Use(name);
    } else {
      q.Use(top).Use(name).Use(same).Use(inside).Use(name).Use(name).Use(name);
    }
    if (!q.Run(sql)) return std::optional<std::string>();
    return std::optional<std::string>(std::move(other));
  });
}

Status SqlTransaction::InsertDoc(const Doc& d) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    Doc v = d;
    long long version = v.version;
    std::string created = FormatTimestamp(v.created_at), updated = FormatTimestamp(v.updated_at);
    Query q(channel_);
    q.Use(v.id).Use(v.project_id).Use(v.file_name).Use(v.content).Use(v.hash).Use(version).Use(created)
        .Use(updated).Use(v.base_blob_oid).Use(v.updated_by).Use(v.blob_oid);
    q.Run(R"(INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt",
             "updatedAt", "baseBlobOid", "updatedBy", "blobOid") VALUES (:i, :p, :f, :c, :h, :v, :ca, :ua, :b, :ub,
             :bo) ON CONFLICT DO NOTHING)");
    if (q.Affected() == 0) return Status::PreconditionFailed("doc '" + d.file_name + "' already exists");
    return Status::Ok();
  });
}

namespace {

// A version stored without text (migration 11) is the doc's current one; before the doc's
// text changes, its text is copied into that row. The row is found by the unique index on
// ("docId", "version"); a doc whose version row holds its text matches nothing.
// Queued: on PostgreSQL it goes with the doc's update, no round trip of its own.
void QueueKeepVersionText(const Channel& channel, std::string& doc_id, long long& version) {
  Query q(channel);
  q.Use(doc_id).Use(doc_id).Use(version);
  q.Queue(R"(UPDATE "DocVersion" SET "content" = (SELECT "content" FROM "Doc" WHERE "id" = :i)
             WHERE "docId" = :d AND "version" = :v AND "content" IS NULL)");
}

}  // namespace

Status SqlTransaction::UpdateDoc(const Doc& d, std::int64_t expected_version) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  if (dialect_ == Dialect::kPostgres && ReadDocAt(d.id, expected_version) && HoldsProjectRow(d.project_id)) {
    // Read at that version under the project row this transaction holds: the swap cannot
    // miss unless a writer skipped the project lock, and then the pipeline reports a
    // conflict and the whole operation runs again. Nothing to wait for: queued.
    return Catch([&]() -> Status {
      FlushHeldWrite();
      Doc v = d;
      long long version = v.version, expected = expected_version;
      std::string updated = FormatTimestamp(v.updated_at);
      if (version != expected && read_doc_history_text_in_doc_) QueueKeepVersionText(channel_, v.id, expected);
      Query q(channel_);
      q.Use(v.content).Use(v.hash).Use(version).Use(updated).Use(v.base_blob_oid).Use(v.updated_by)
          .Use(v.blob_oid).Use(v.id).Use(expected);
      // A miss divides by zero: an error, so the server skips the rest, COMMIT included.
      q.QueueGuarded(R"(WITH changed AS (UPDATE "Doc" SET "content" = :c, "hash" = :h, "version" = :v,
             "updatedAt" = :u, "baseBlobOid" = :b, "updatedBy" = :ub, "blobOid" = :bo WHERE "id" = :i AND "version" = :e
             RETURNING 1) SELECT 1 / CAST((SELECT COUNT(*) FROM changed) AS INT))");
      read_doc_id_.clear();
      return Status::Ok();
    });
  }
  return Guard([&]() -> Status {
    Doc v = d;
    long long version = v.version, expected = expected_version;
    std::string updated = FormatTimestamp(v.updated_at);
    if (version != expected) QueueKeepVersionText(channel_, v.id, expected);
    Query q(channel_);
    q.Use(v.content).Use(v.hash).Use(version).Use(updated).Use(v.base_blob_oid).Use(v.updated_by).Use(v.blob_oid)
        .Use(v.id).Use(expected);
    // Compare-and-swap: the row changes only if nobody moved the version meanwhile.
    q.Run(R"(UPDATE "Doc" SET "content" = :c, "hash" = :h, "version" = :v, "updatedAt" = :u,
             "baseBlobOid" = :b, "updatedBy" = :ub, "blobOid" = :bo WHERE "id" = :i AND "version" = :e)");
    if (q.Affected() == 1) return Status::Ok();
    long long current = 0;
    Query check(channel_);
    check.Into(current).Use(v.id);
    if (!check.Run(R"(SELECT "version" FROM "Doc" WHERE "id" = :i)")) return DocNotFound(d.file_name);
    return Status::PreconditionFailed("doc '" + d.file_name + "' is at version " + std::to_string(current));
  });
}

Status SqlTransaction::DeleteDoc(std::string_view project_id, std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  return Guard([&]() -> Status {
    std::string pid(project_id), name(file_name);
    Query q(channel_);
    q.Use(pid).Use(name);
    read_doc_id_.clear();
    q.Run(R"(DELETE FROM "Doc" WHERE "projectId" = :p AND "fileName" = :f)");
    if (q.Affected() > 0) return Status::Ok();
    return ProjectExists(pid) ? DocNotFound(file_name) : ProjectNotFound(project_id);
  });
}

// --- versions -----------------------------------------------------------------------

Status SqlTransaction::InsertDocVersion(const DocVersion& dv) {
  LIBSYNC_RETURN_IF_ERROR(Writable());
  read_doc_id_.clear();
  const bool held = dialect_ == Dialect::kPostgres && HoldsProjectRow(dv.project_id);
  // Held for the event's statement when the project row is held (no round trip or
  // statement of its own): a version that exists already then fails the pipeline with a
  // unique violation, which is kPreconditionFailed as the answer read back here would be.
  const auto insert = [&]() -> Status {
    DocVersion v = dv;
    long long version = v.version;
    std::string source(SourceName(v.source)), created = FormatTimestamp(v.created_at);
    if (held) {
      HoldWrite(R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content",
             "hash", "author", "source", "createdAt", "blobOid") VALUES (:i, :d, :p, :f, :v, :c, :h, :a, :s, :t,
             :bo))",
                {v.id, v.doc_id, v.project_id, v.file_name, std::to_string(version), v.content, v.hash, v.author,
                 source, created, v.blob_oid});
      return Status::Ok();
    }
    Query q(channel_);
    q.Use(v.id).Use(v.doc_id).Use(v.project_id).Use(v.file_name).Use(version).Use(v.content).Use(v.hash)
        .Use(v.author).Use(source).Use(created).Use(v.blob_oid);
    q.Run(R"(INSERT INTO "DocVersion" ("id", "docId", "projectId", "fileName", "version", "content",
             "hash", "author", "source", "createdAt", "blobOid") VALUES (:i, :d, :p, :f, :v, :c, :h, :a, :s, :t,
             :bo) ON CONFLICT DO NOTHING)");
    if (q.Affected() == 0) return Status::PreconditionFailed("version " + std::to_string(dv.version) + " exists");
    return Status::Ok();
  };
  return held ? Catch(insert) : Guard(insert);
}

Result<std::vector<DocVersion>> SqlTransaction::ListDocVersions(std::string_view doc_id) {
  return Guard([&]() -> Result<std::vector<DocVersion>> {
    std::string id(doc_id);
    // Content is left out of listings: history of a large doc stays cheap.
    static const std::string sql = "SELECT " + VersionColumnsWithoutContent() +
                                   R"( FROM "DocVersion" WHERE "docId" = :d ORDER BY "version" DESC)";
    return Collect<VersionRow>(channel_, sql, [&](Query& q) { q.Use(id); });
  });
}

Result<DocVersion> SqlTransaction::GetDocVersion(std::string_view doc_id, std::int64_t version) {
  if (ReadDocAt(doc_id, version)) {
    if (read_doc_history_) return *read_doc_history_;
    return Status::NotFound("version " + std::to_string(version) + " not found");
  }
  return Guard([&]() -> Result<DocVersion> {
    std::string id(doc_id);
    long long n = version;
    static const std::string sql =
        "SELECT " + VersionColumns() + R"( FROM "DocVersion" WHERE "docId" = :d AND "version" = :v)";
    auto rows = Collect<VersionRow>(channel_, sql, [&](Query& q) { q.Use(id).Use(n); });
    if (rows.empty()) return Status::NotFound("version " + std::to_string(version) + " not found");
    return std::move(rows.front());
  });
}

}  // namespace libsync::sql
