#include "doc_writes.hpp"

#include "json_writer.hpp"
#include "libsync/credentials.hpp"
#include "libsync/hashing.hpp"
#include "libsync/validation.hpp"

namespace libsync::detail {
namespace {

DocVersion VersionOf(const Doc& doc, std::string author, VersionSource source, Timestamp at,
                     Random& random) {
  return DocVersion{NewId(at, random), doc.id,   doc.project_id,    doc.file_name, doc.version, doc.content,
                    doc.hash,      std::move(author), source, at,        doc.blob_oid};
}

}  // namespace

Status CheckExpectedVersion(const WriteGuard& guard, const Doc* current) {
  if (guard.must_exist && !current) {
    return Status(ErrorCode::kPreconditionFailed, "doc does not exist", {{"currentVersion", "0"}});
  }
  if (!guard.expected_version) return Status::Ok();
  const std::int64_t actual = current ? current->version : 0;
  if (*guard.expected_version == actual) return Status::Ok();
  std::string message = current ? "doc '" + current->file_name + "' is at version " +
                                      std::to_string(actual) + ", not " +
                                      std::to_string(*guard.expected_version)
                                : std::string("doc does not exist");
  return Status(ErrorCode::kPreconditionFailed, std::move(message),
                {{"currentVersion", std::to_string(actual)}});
}

Status CheckContent(const ServiceContext& ctx, std::string_view content) {
  if (content.size() > ctx.options.max_doc_bytes) {
    return Status::TooLarge("doc content is " + std::to_string(content.size()) +
                            " bytes; the limit is " + std::to_string(ctx.options.max_doc_bytes));
  }
  return ValidateText(content, "doc content", content.size());
}

Status ContentWrite::Run(Transaction& tx, EventBatch& events, const Doc* current, DocWriteResult& out) const {
  LIBSYNC_RETURN_IF_ERROR(CheckExpectedVersion(guard, current));
  if (current && current->hash == hash) {
    out = {*current, false, false};
    if (base_blob_oid && *base_blob_oid != current->base_blob_oid) {
      // Same text, newly known to match a git blob: record it without a new version.
      out.doc.base_blob_oid = *base_blob_oid;
      LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(out.doc, current->version));
    }
    return Status::Ok();
  }
  Doc doc;
  if (current) {
    doc = *current;
    // Rows written before history was kept (an upgraded database) get their current
    // text recorded first, so no version is ever lost.
    auto recorded = tx.GetDocVersion(current->id, current->version);
    if (!recorded) {
      if (recorded.error().code() != ErrorCode::kNotFound) return recorded.error();
      LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(
          VersionOf(*current, current->updated_by, VersionSource::kApi, current->updated_at, ctx.random)));
    }
    doc.version = current->version + 1;
  } else {
    if (may_replace_tombstone) {
      LIBSYNC_ASSIGN_OR_RETURN(auto tombstone, tx.TakeTombstone(project_id, file_name));
      if (tombstone) doc.base_blob_oid = std::move(tombstone->base_blob_oid);
    }
    doc.id = NewId(now, ctx.random);
    doc.project_id = std::string(project_id);
    doc.file_name = std::string(file_name);
    doc.version = 1;
    doc.created_at = now;
  }
  doc.content = std::string(content);
  doc.hash = hash;
  doc.blob_oid = content_blob_oid.empty() ? GitBlobId(content) : std::string(content_blob_oid);
  doc.updated_at = now;
  doc.updated_by = author;
  if (base_blob_oid) doc.base_blob_oid = *base_blob_oid;
  if (current) {
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(doc, current->version));
  } else {
    LIBSYNC_RETURN_IF_ERROR(tx.InsertDoc(doc));
  }
  LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(VersionOf(doc, author, source, now, ctx.random)));
  LIBSYNC_RETURN_IF_ERROR(AppendDocUpdated(events, doc, source, current == nullptr));
  out = {std::move(doc), current == nullptr, true};
  return Status::Ok();
}

NewDoc MakeNewDoc(const ServiceContext& ctx, std::string_view project_id, std::string_view file_name,
                  std::string content, std::string hash, std::string blob_oid, std::string base_blob_oid,
                  const std::string& author, VersionSource source, Timestamp now) {
  NewDoc out;
  Doc& doc = out.doc;
  doc.id = NewId(now, ctx.random);
  doc.project_id = std::string(project_id);
  doc.file_name = std::string(file_name);
  doc.content = std::move(content);
  doc.hash = std::move(hash);
  doc.version = 1;
  doc.created_at = now;
  doc.updated_at = now;
  doc.base_blob_oid = std::move(base_blob_oid);
  doc.updated_by = author;
  doc.blob_oid = std::move(blob_oid);
  out.version_id = NewId(now, ctx.random);
  out.author = author;
  out.source = source;
  return out;
}

Status AppendDocUpdated(EventBatch& events, const Doc& doc, VersionSource source, bool created) {
  return events.Append(doc.project_id, event_type::kDocUpdated,
                       JsonObject()
                           .Add("fileName", doc.file_name)
                           .Add("version", doc.version)
                           .Add("hash", doc.hash)
                           .Add("updatedBy", doc.updated_by)
                           .Add("source", SourceName(source))
                           .Add("created", created)
                           .Close());
}

Result<std::optional<Doc>> FindDoc(Transaction& tx, std::string_view project_id,
                                   std::string_view file_name) {
  auto doc = tx.GetDoc(project_id, file_name);
  if (doc) return std::optional<Doc>(std::move(doc).value());
  if (doc.error().code() == ErrorCode::kNotFound) return std::optional<Doc>();
  return doc.error();
}

Status DeleteDoc(Transaction& tx, EventBatch& events, const Doc& doc, std::string_view by) {
  LIBSYNC_RETURN_IF_ERROR(tx.DeleteDoc(doc.project_id, doc.file_name));
  return events.Append(doc.project_id, event_type::kDocDeleted,
                       JsonObject()
                           .Add("fileName", doc.file_name)
                           .Add("version", doc.version)
                           .Add("deletedBy", by)
                           .Close());
}

Status DeleteDocLocally(Transaction& tx, EventBatch& events, const Doc& doc, std::string_view by, Timestamp now) {
  if (!doc.base_blob_oid.empty()) {
    LIBSYNC_RETURN_IF_ERROR(
        tx.PutTombstone({doc.project_id, doc.file_name, doc.base_blob_oid, now, std::string(by)}));
  }
  return DeleteDoc(tx, events, doc, by);
}

}  // namespace libsync::detail
