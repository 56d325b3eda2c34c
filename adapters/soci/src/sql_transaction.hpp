#pragma once
// The Transaction port on one SOCI session inside an open database transaction.

#include <soci/soci.h>

#include "connection.hpp"
#include "libsync/ports/store.hpp"

namespace libsync::sql {

class SqlTransaction final : public Transaction {
 public:
  SqlTransaction(soci::session& session, Dialect dialect, TxMode mode, std::size_t event_retention)
      : s_(session), dialect_(dialect), mode_(mode), event_retention_(event_retention) {}

  /// A statement failed with a serialization conflict, deadlock or busy database; the
  /// store rolls back and runs the work again.
  bool conflicted() const noexcept { return conflicted_; }

  Result<Project> GetProject(std::string_view id) override;
  Status LockProject(std::string_view id) override;
  Result<std::vector<Project>> ListProjects() override;
  Status InsertProject(const Project& project) override;
  Status UpdateProject(const Project& project) override;
  Status DeleteProject(std::string_view id) override;

  Result<Doc> GetDoc(std::string_view project_id, std::string_view file_name) override;
  Result<std::vector<Doc>> ListDocs(std::string_view project_id) override;
  Result<std::vector<DocSummary>> ListDocSummaries(std::string_view project_id) override;
  Status InsertDoc(const Doc& doc) override;
  Status UpdateDoc(const Doc& doc, std::int64_t expected_version) override;
  Status DeleteDoc(std::string_view project_id, std::string_view file_name) override;

  Status InsertDocVersion(const DocVersion& version) override;
  Result<std::vector<DocVersion>> ListDocVersions(std::string_view doc_id) override;
  Result<DocVersion> GetDocVersion(std::string_view doc_id, std::int64_t version) override;

  Result<std::optional<Lock>> GetLock(std::string_view project_id) override;
  Status PutLock(const Lock& lock) override;
  Status DeleteLock(std::string_view project_id) override;
  Result<std::int64_t> NextFence(std::string_view project_id) override;
  Result<std::vector<Lock>> ListExpiredLocks(Timestamp now) override;

  Status InsertApiKey(const ApiKey& key) override;
  Result<ApiKey> GetApiKey(std::string_view id) override;
  Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) override;
  Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) override;
  Status UpdateApiKey(const ApiKey& key) override;

  Result<Event> AppendEvent(std::string_view project_id, std::string_view type,
                            std::string_view payload, Timestamp at) override;
  Result<EventPage> ReadEvents(std::string_view project_id, std::int64_t after_seq,
                               std::size_t limit) override;

 private:
  template <class Fn>
  auto Guard(Fn&& fn) -> decltype(fn());
  Status Writable() const;
  /// `param` as a nullable timestamp expression ('' means NULL).
  std::string NullableTime(const char* param) const;
  bool ProjectExists(const std::string& id);

  soci::session& s_;
  Dialect dialect_;
  TxMode mode_;
  std::size_t event_retention_;
  bool conflicted_ = false;
};

}  // namespace libsync::sql
