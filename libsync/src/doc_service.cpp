#include "libsync/doc_service.hpp"

#include "access.hpp"
#include "json_writer.hpp"
#include "libsync/credentials.hpp"
#include "libsync/hashing.hpp"
#include "libsync/validation.hpp"
#include "lock_rules.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

using detail::Access;
using detail::EventBatch;

Status CheckExpectedVersion(const WriteGuard& guard, const Doc* current) {
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
  if (!IsValidUtf8(content)) return Status::InvalidArgument("doc content is not valid UTF-8");
  // Text columns (PostgreSQL's among them) cannot hold NUL, so no store may accept it.
  if (content.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("doc content contains a NUL byte");
  }
  return Status::Ok();
}

DocVersion VersionOf(const Doc& doc, std::string author, VersionSource source, Timestamp at,
                     Random& random) {
  return DocVersion{NewId(random), doc.id,          doc.project_id, doc.file_name, doc.version,
                    doc.content,   doc.hash,        std::move(author), source,     at};
}

/// The shared body of every content write: lock rule, expected version, no-op detection,
/// the new version and its history row, and the doc:updated event.
struct ContentWrite {
  const ServiceContext& ctx;
  std::string_view project_id;
  std::string_view file_name;
  std::string_view content;
  const std::string& hash;
  const WriteGuard& guard;
  const std::string& author;
  VersionSource source;
  Timestamp now;

  Status Run(Transaction& tx, EventBatch& events, const Doc* current, DocWriteResult& out) const {
    LIBSYNC_RETURN_IF_ERROR(CheckExpectedVersion(guard, current));
    if (current && current->hash == hash) {
      out = {*current, false, false};
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
        LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(VersionOf(
            *current, current->updated_by, VersionSource::kApi, current->updated_at, ctx.random)));
      }
      doc.version = current->version + 1;
    } else {
      doc.id = NewId(ctx.random);
      doc.project_id = std::string(project_id);
      doc.file_name = std::string(file_name);
      doc.version = 1;
      doc.created_at = now;
    }
    doc.content = std::string(content);
    doc.hash = hash;
    doc.updated_at = now;
    doc.updated_by = author;
    if (current) {
      LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(doc, current->version));
    } else {
      LIBSYNC_RETURN_IF_ERROR(tx.InsertDoc(doc));
    }
    LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(VersionOf(doc, author, source, now, ctx.random)));
    LIBSYNC_RETURN_IF_ERROR(events.Append(project_id, event_type::kDocUpdated,
                                          detail::JsonObject()
                                              .Add("fileName", doc.file_name)
                                              .Add("version", doc.version)
                                              .Add("hash", doc.hash)
                                              .Add("updatedBy", doc.updated_by)
                                              .Add("source", SourceName(source))
                                              .Add("created", current == nullptr)
                                              .Finish()));
    out = {std::move(doc), current == nullptr, true};
    return Status::Ok();
  }
};

/// The doc or nullptr when absent; other failures are returned.
Result<std::optional<Doc>> FindDoc(Transaction& tx, std::string_view project_id,
                                   std::string_view file_name) {
  auto doc = tx.GetDoc(project_id, file_name);
  if (doc) return std::optional<Doc>(std::move(doc).value());
  if (doc.error().code() == ErrorCode::kNotFound) return std::optional<Doc>();
  return doc.error();
}

}  // namespace

Result<std::vector<Doc>> DocService::List(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  std::vector<Doc> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.ListDocs(project_id));
    return Status::Ok();
  }));
  return out;
}

Result<Doc> DocService::Get(const Caller& caller, std::string_view project_id,
                            std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  std::optional<Doc> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.GetDoc(project_id, file_name));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<DocWriteResult> DocService::Put(const Caller& caller, std::string_view project_id,
                                       std::string_view file_name, std::string_view content,
                                       const WriteGuard& guard) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  LIBSYNC_RETURN_IF_ERROR(CheckContent(ctx_, content));
  const std::string hash = Sha256Hex(content);
  const Timestamp now = ctx_.clock.Now();
  const ContentWrite write{ctx_, project_id, file_name, content, hash, guard, caller.name(),
                           VersionSource::kApi, now};
  DocWriteResult out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_RETURN_IF_ERROR(detail::CheckWriteAllowed(tx, project_id, now, guard.lock_token));
    LIBSYNC_ASSIGN_OR_RETURN(auto current, FindDoc(tx, project_id, file_name));
    return write.Run(tx, events, current ? &*current : nullptr, out);
  }));
  return out;
}

Status DocService::Delete(const Caller& caller, std::string_view project_id,
                          std::string_view file_name, const WriteGuard& guard) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  const Timestamp now = ctx_.clock.Now();
  return detail::RunWrite(ctx_, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_RETURN_IF_ERROR(detail::CheckWriteAllowed(tx, project_id, now, guard.lock_token));
    LIBSYNC_ASSIGN_OR_RETURN(auto doc, tx.GetDoc(project_id, file_name));
    LIBSYNC_RETURN_IF_ERROR(CheckExpectedVersion(guard, &doc));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteDoc(project_id, file_name));
    return events.Append(project_id, event_type::kDocDeleted,
                         detail::JsonObject()
                             .Add("fileName", doc.file_name)
                             .Add("version", doc.version)
                             .Add("deletedBy", caller.name())
                             .Finish());
  });
}

Result<std::vector<DocVersion>> DocService::History(const Caller& caller,
                                                    std::string_view project_id,
                                                    std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  std::vector<DocVersion> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto doc, tx.GetDoc(project_id, file_name));
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.ListDocVersions(doc.id));
    if (out.empty() || out.front().version != doc.version) {
      // An upgraded database has docs without history rows; show the current version.
      DocVersion current{{}, doc.id, doc.project_id, doc.file_name, doc.version, {},
                         doc.hash, doc.updated_by, VersionSource::kApi, doc.updated_at};
      out.insert(out.begin(), std::move(current));
    }
    return Status::Ok();
  }));
  return out;
}

Result<DocVersion> DocService::Version(const Caller& caller, std::string_view project_id,
                                       std::string_view file_name, std::int64_t version) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  std::optional<DocVersion> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto doc, tx.GetDoc(project_id, file_name));
    if (version == doc.version) {
      out = DocVersion{{}, doc.id, doc.project_id, doc.file_name, doc.version, doc.content,
                       doc.hash, doc.updated_by, VersionSource::kApi, doc.updated_at};
      auto recorded = tx.GetDocVersion(doc.id, version);
      if (recorded) out = std::move(recorded).value();
      return Status::Ok();
    }
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.GetDocVersion(doc.id, version));
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<DocWriteResult> DocService::Revert(const Caller& caller, std::string_view project_id,
                                          std::string_view file_name, std::int64_t version,
                                          const WriteGuard& guard) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  const Timestamp now = ctx_.clock.Now();
  DocWriteResult out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_RETURN_IF_ERROR(detail::CheckWriteAllowed(tx, project_id, now, guard.lock_token));
    LIBSYNC_ASSIGN_OR_RETURN(auto current, tx.GetDoc(project_id, file_name));
    std::string content;
    if (version == current.version) {
      content = current.content;
    } else {
      LIBSYNC_ASSIGN_OR_RETURN(auto old, tx.GetDocVersion(current.id, version));
      content = std::move(old.content);
    }
    const std::string hash = Sha256Hex(content);
    const ContentWrite write{ctx_, project_id, file_name, content, hash, guard, caller.name(),
                             VersionSource::kRevert, now};
    return write.Run(tx, events, &current, out);
  }));
  return out;
}

}  // namespace libsync
