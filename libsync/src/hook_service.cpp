#include "libsync/hook_service.hpp"

#include "access.hpp"
#include "libsync/hashing.hpp"
#include "libsync/validation.hpp"
#include "lock_rules.hpp"
#include "unit_of_work.hpp"

namespace libsync {
namespace {

std::vector<DocSummary> Summaries(const std::vector<Doc>& docs) {
  std::vector<DocSummary> out;
  out.reserve(docs.size());
  for (const auto& d : docs) out.push_back({d.file_name, d.hash, d.version, d.updated_at, d.base_blob_oid, d.blob_oid});
  return out;
}

// A database written before the workstation name rules (by the original platform or an
// older release) may hold names such as `.git/config` that no workstation may write.
// Hooks never serve them, and the hashes they see cover only what they are served.
bool Servable(std::string_view file_name) { return ValidateFileName(file_name).ok(); }

template <class DocLike>
void DropUnservable(std::vector<DocLike>& docs) {
  std::erase_if(docs, [](const DocLike& d) { return !Servable(d.file_name); });
}

}  // namespace

Result<std::optional<Lock>> HookService::LockState(const Caller& caller,
                                                   std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  const Timestamp now = ctx_.clock.Now();
  std::optional<Lock> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.GetProject(project_id).status());
    LIBSYNC_ASSIGN_OR_RETURN(out, detail::LiveLock(tx, project_id, now));
    return Status::Ok();
  }));
  return out;
}

Result<DocsState> HookService::DocsHash(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  DocsState out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto summaries, tx.ListDocSummaries(project_id));
    DropUnservable(summaries);
    out = {ProjectDocsHash(summaries), summaries.size()};
    return Status::Ok();
  }));
  return out;
}

Result<DocsSnapshot> HookService::Pull(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  DocsSnapshot out;
  const Timestamp now = ctx_.clock.Now();
  bool record = false;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(out.docs, tx.ListDocs(project_id));
    DropUnservable(out.docs);
    out.hash = ProjectDocsHash(Summaries(out.docs));
    if (caller.is_admin()) return Status::Ok();
    // A workstation pulling the same docs again is recorded at most once per
    // key_use_granularity: hooks poll, and a poll must not cost a database write.
    auto key = tx.GetApiKey(caller.key_id());
    record = !key || key->last_pulled_hash != out.hash || !key->last_pulled_at ||
             now - *key->last_pulled_at >= ctx_.options.key_use_granularity;
    return Status::Ok();
  }));
  if (record) {
    // The consumer record is bookkeeping: a failure to write it must not fail the pull.
    (void)detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch&) {
      LIBSYNC_ASSIGN_OR_RETURN(auto key, tx.GetApiKey(caller.key_id()));
      key.last_pulled_hash = out.hash;
      key.last_pulled_at = now;
      key.last_used_at = now;
      return tx.UpdateApiKey(key);
    });
  }
  return out;
}

Result<std::vector<Consumer>> HookService::Consumers(const Caller& caller,
                                                     std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  std::vector<Consumer> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    out.clear();
    LIBSYNC_ASSIGN_OR_RETURN(auto summaries, tx.ListDocSummaries(project_id));
    DropUnservable(summaries);
    const std::string current = ProjectDocsHash(summaries);
    LIBSYNC_ASSIGN_OR_RETURN(auto keys, tx.ListApiKeys(project_id));
    for (auto& key : keys) {
      const bool is_current = key.last_pulled_hash == current;
      out.push_back({std::move(key), is_current});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<std::string>> HookService::UnservableDocNames(const Caller& caller,
                                                                std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::RequireAdmin(caller));
  std::vector<std::string> out;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    out.clear();
    LIBSYNC_ASSIGN_OR_RETURN(auto summaries, tx.ListDocSummaries(project_id));
    for (auto& d : summaries) {
      if (!Servable(d.file_name)) out.push_back(std::move(d.file_name));
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace libsync
