#include "libsync/doc_service.hpp"

#include "access.hpp"
#include "case_twins.hpp"
#include "doc_writes.hpp"
#include "key_check.hpp"
#include "json_writer.hpp"
#include "libsync/hashing.hpp"
#include "libsync/validation.hpp"
#include "lock_rules.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

using detail::Access;
using detail::CheckContent;
using detail::CheckExpectedVersion;
using detail::ContentWrite;
using detail::EventBatch;
using detail::FindDoc;
using detail::PathClashReason;

// What a doc read asks of its caller and name, in this order: may they read the
// project, then is the name valid (as a stored name: docs written before the workstation
// rules stay readable). Get checks it before its transaction,
// GetWithKeyInOneTransaction inside it once the key is known.
Status CheckDocRead(const Caller& caller, std::string_view project_id, std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  return ValidateStoredFileName(file_name);
}

// A resolving write quotes the repository's blob id as the conflicts list shows it.
Status CheckBlobId(std::string_view id) {
  const bool hex = id.size() == 40 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (hex) return Status::Ok();
  return Status::InvalidArgument("resolves must be a git blob id (40 lowercase hex digits) from the conflicts list");
}

// The base a resolving write records: the repository's blob, or none when the repository
// deleted the file (the next export then adds it again).
std::optional<std::string> NewBase(const std::optional<std::string>& resolves) {
  if (!resolves) return std::nullopt;
  return *resolves == kNoBlobId ? std::string() : *resolves;
}

// Only a conflict the last import recorded, with that very blob, may be resolved: any
// other base would make the next import skip a repository change it never showed.
Status TakeResolvedConflict(Transaction& tx, std::string_view project_id, std::string_view file_name,
                            const std::string& resolves) {
  LIBSYNC_ASSIGN_OR_RETURN(auto conflict, tx.TakeConflict(project_id, file_name));
  if (conflict && conflict->remote_blob_oid == resolves) return Status::Ok();
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "literal" + string&&.
  std::string message = "'";
  message.append(file_name).append("' has no sync conflict with the repository's blob ").append(resolves);
  if (conflict && !conflict->remote_blob_oid.empty()) message += "; its conflict is with " + conflict->remote_blob_oid;
  return Status::PreconditionFailed(message + " (GET …/conflicts lists them)");
}

// A new name may not share a path with a doc here (case_twins.hpp): be its case twin, or be
// named like a folder of it or make a folder of it, as written or in another case. The
// repository's tree and every workstation's folder could hold only one of them (git
// refuses a commit with a name that is a file and a folder; a pull cannot write the
// second; a file system that folds case sees case twins as one).
Status CheckNoPathClash(Transaction& tx, std::string_view project_id, std::string_view file_name) {
  LIBSYNC_ASSIGN_OR_RETURN(auto other, tx.FindPathClash(project_id, file_name));
  if (other) return Status::InvalidArgument(PathClashReason(file_name, *other));
  return Status::Ok();
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

Result<std::vector<DocSummary>> DocService::ListSummaries(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  std::vector<DocSummary> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.ListDocSummaries(project_id));
    return Status::Ok();
  }));
  return out;
}

Result<Doc> DocService::Get(const Caller& caller, std::string_view project_id,
                            std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(CheckDocRead(caller, project_id, file_name));
  std::optional<Doc> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.GetDoc(project_id, file_name));
    return Status::Ok();
  }));
  return std::move(*out);
}

// One read transaction instead of Authenticate's and Get's two: the HTTP doc GET with an
// API key went from 86,000 to 77,000 instructions per request in aitk-server, and from
// 6.1 to 5.3 us per handled request in process (callgrind; docs/performance.md).
Result<Doc> DocService::GetWithKeyInOneTransaction(std::string_view plain_key, std::string_view project_id,
                                                   std::string_view file_name) {
  LIBSYNC_ASSIGN_OR_RETURN(const std::string hash, detail::KeyLookupHash(plain_key));
  const Timestamp now = ctx_.clock.Now();
  std::optional<ApiKey> key;
  std::optional<Doc> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(key, detail::FindActiveKey(tx, hash));
    LIBSYNC_RETURN_IF_ERROR(CheckDocRead(Caller::ForKey(*key), project_id, file_name));
    LIBSYNC_ASSIGN_OR_RETURN(out, tx.GetDoc(project_id, file_name));
    return Status::Ok();
  }));
  detail::RecordKeyUse(ctx_, *key, now);
  return std::move(*out);
}

Result<DocWriteResult> DocService::Put(const Caller& caller, std::string_view project_id,
                                       std::string_view file_name, std::string_view content,
                                       const WriteGuard& guard, VersionSource source) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  if (source != VersionSource::kApi && source != VersionSource::kWeb) {
    return Status::InvalidArgument("a doc write's source is api or web");
  }
  LIBSYNC_RETURN_IF_ERROR(ValidateFileName(file_name));
  LIBSYNC_RETURN_IF_ERROR(CheckContent(ctx_, content));
  const std::string hash = Sha256Hex(content);
  const Timestamp now = ctx_.clock.Now();
  if (guard.resolves) LIBSYNC_RETURN_IF_ERROR(CheckBlobId(*guard.resolves));
  const ContentWrite write{ctx_, project_id, file_name, content, hash, guard, caller.name(), source, now,
                           NewBase(guard.resolves)};
  DocWriteResult out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunWrite(ctx_, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_RETURN_IF_ERROR(detail::CheckWriteAllowed(tx, project_id, now, guard.lock_token));
    LIBSYNC_ASSIGN_OR_RETURN(auto current, FindDoc(tx, project_id, file_name));
    if (!current) LIBSYNC_RETURN_IF_ERROR(CheckNoPathClash(tx, project_id, file_name));
    if (guard.resolves) LIBSYNC_RETURN_IF_ERROR(TakeResolvedConflict(tx, project_id, file_name, *guard.resolves));
    return write.Run(tx, events, current ? &*current : nullptr, out);
  }));
  return out;
}

Result<std::vector<ConflictView>> DocService::Conflicts(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  std::vector<ConflictView> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    out.clear();
    LIBSYNC_ASSIGN_OR_RETURN(auto conflicts, tx.ListConflicts(project_id));
    for (auto& c : conflicts) {
      LIBSYNC_ASSIGN_OR_RETURN(auto local, FindDoc(tx, project_id, c.file_name));
      out.push_back({std::move(c), std::move(local)});
    }
    return Status::Ok();
  }));
  return out;
}

Status DocService::Delete(const Caller& caller, std::string_view project_id,
                          std::string_view file_name, const WriteGuard& guard) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kWrite));
  LIBSYNC_RETURN_IF_ERROR(ValidateStoredFileName(file_name));
  const Timestamp now = ctx_.clock.Now();
  return detail::RunWrite(ctx_, [&](Transaction& tx, EventBatch& events) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(project_id));
    LIBSYNC_RETURN_IF_ERROR(detail::CheckWriteAllowed(tx, project_id, now, guard.lock_token));
    LIBSYNC_ASSIGN_OR_RETURN(auto doc, tx.GetDoc(project_id, file_name));
    LIBSYNC_RETURN_IF_ERROR(CheckExpectedVersion(guard, &doc));
    return detail::DeleteDocLocally(tx, events, doc, caller.name(), now);
  });
}

Result<std::vector<DocVersion>> DocService::History(const Caller& caller,
                                                    std::string_view project_id,
                                                    std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, Access::kRead));
  LIBSYNC_RETURN_IF_ERROR(ValidateStoredFileName(file_name));
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
  LIBSYNC_RETURN_IF_ERROR(ValidateStoredFileName(file_name));
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
