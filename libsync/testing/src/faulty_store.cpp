#include "libsync/testing/faulty_store.hpp"

namespace libsync::testing {
namespace {

// Forwards every call unless the store says this one fails.
class FaultyTransaction final : public Transaction {
 public:
  FaultyTransaction(Transaction& inner, FaultyStore& store) : in_(inner), store_(store) {}

#define LIBSYNC_FORWARD(call) \
  if (store_.ShouldFail()) return store_.Injected(); \
  return in_.call

  Result<Project> GetProject(std::string_view id) override { LIBSYNC_FORWARD(GetProject(id)); }
  Status LockProject(std::string_view id) override { LIBSYNC_FORWARD(LockProject(id)); }
  Result<std::vector<Project>> ListProjects() override { LIBSYNC_FORWARD(ListProjects()); }
  Status InsertProject(const Project& p) override { LIBSYNC_FORWARD(InsertProject(p)); }
  Status UpdateProject(const Project& p) override { LIBSYNC_FORWARD(UpdateProject(p)); }
  Result<bool> ClaimPoll(std::string_view p, std::string_view h, Timestamp now, Timestamp until,
                         Timestamp next) override {
    LIBSYNC_FORWARD(ClaimPoll(p, h, now, until, next));
  }
  Status DeleteProject(std::string_view id) override { LIBSYNC_FORWARD(DeleteProject(id)); }
  Result<Doc> GetDoc(std::string_view p, std::string_view f) override { LIBSYNC_FORWARD(GetDoc(p, f)); }
  Result<std::vector<Doc>> ListDocs(std::string_view p) override { LIBSYNC_FORWARD(ListDocs(p)); }
  Result<std::vector<DocSummary>> ListDocSummaries(std::string_view p) override {
    LIBSYNC_FORWARD(ListDocSummaries(p));
  }
  Result<std::optional<std::string>> FindPathClash(std::string_view p, std::string_view f) override {
    LIBSYNC_FORWARD(FindPathClash(p, f));
  }
  Result<std::vector<Doc>> ListDocsToExport(std::string_view p) override { LIBSYNC_FORWARD(ListDocsToExport(p)); }
  Status InsertDoc(const Doc& d) override { LIBSYNC_FORWARD(InsertDoc(d)); }
  Result<std::vector<std::string>> InsertNewDocs(std::span<const NewDoc> d) override { LIBSYNC_FORWARD(InsertNewDocs(d)); }
  Status UpdateDoc(const Doc& d, std::int64_t v) override { LIBSYNC_FORWARD(UpdateDoc(d, v)); }
  Status DeleteDoc(std::string_view p, std::string_view f) override { LIBSYNC_FORWARD(DeleteDoc(p, f)); }
  Status PutTombstone(const DocTombstone& t) override { LIBSYNC_FORWARD(PutTombstone(t)); }
  Result<std::vector<DocTombstone>> ListTombstones(std::string_view p) override {
    LIBSYNC_FORWARD(ListTombstones(p));
  }
  Result<std::optional<DocTombstone>> TakeTombstone(std::string_view p, std::string_view f) override {
    LIBSYNC_FORWARD(TakeTombstone(p, f));
  }
  Status PutConflict(const DocConflict& c) override { LIBSYNC_FORWARD(PutConflict(c)); }
  Result<std::vector<DocConflict>> ListConflicts(std::string_view p) override { LIBSYNC_FORWARD(ListConflicts(p)); }
  Result<std::optional<DocConflict>> TakeConflict(std::string_view p, std::string_view f) override {
    LIBSYNC_FORWARD(TakeConflict(p, f));
  }
  Status ClearConflicts(std::string_view p) override { LIBSYNC_FORWARD(ClearConflicts(p)); }
  Status InsertDocVersion(const DocVersion& v) override { LIBSYNC_FORWARD(InsertDocVersion(v)); }
  Result<std::vector<DocVersion>> ListDocVersions(std::string_view d) override {
    LIBSYNC_FORWARD(ListDocVersions(d));
  }
  Result<DocVersion> GetDocVersion(std::string_view d, std::int64_t v) override {
    LIBSYNC_FORWARD(GetDocVersion(d, v));
  }
  Status ReadLock(std::string_view p, FunctionRef<Status(const Lock*)> read) override {
    LIBSYNC_FORWARD(ReadLock(p, read));
  }
  Status PutLock(const Lock& l) override { LIBSYNC_FORWARD(PutLock(l)); }
  Status DeleteLock(std::string_view p) override { LIBSYNC_FORWARD(DeleteLock(p)); }
  Result<std::int64_t> NextFence(std::string_view p) override { LIBSYNC_FORWARD(NextFence(p)); }
  Result<std::vector<Lock>> ListExpiredLocks(Timestamp now) override {
    LIBSYNC_FORWARD(ListExpiredLocks(now));
  }
  Status InsertApiKey(const ApiKey& k) override { LIBSYNC_FORWARD(InsertApiKey(k)); }
  Result<ApiKey> GetApiKey(std::string_view id) override { LIBSYNC_FORWARD(GetApiKey(id)); }
  Result<ApiKey> FindApiKeyByHash(std::string_view h) override { LIBSYNC_FORWARD(FindApiKeyByHash(h)); }
  Result<std::vector<ApiKey>> ListApiKeys(std::string_view p) override { LIBSYNC_FORWARD(ListApiKeys(p)); }
  Status UpdateApiKey(const ApiKey& k) override { LIBSYNC_FORWARD(UpdateApiKey(k)); }
  Result<std::int64_t> AppendEvent(std::string_view p, std::string_view t, std::string_view payload,
                                   Timestamp at) override {
    LIBSYNC_FORWARD(AppendEvent(p, t, payload, at));
  }
  Result<EventPage> ReadEvents(std::string_view p, std::int64_t after, std::size_t limit) override {
    LIBSYNC_FORWARD(ReadEvents(p, after, limit));
  }

#undef LIBSYNC_FORWARD

 private:
  Transaction& in_;
  FaultyStore& store_;
};

}  // namespace

Status FaultyStore::Transact(TxMode mode, const Work& work) {
  return inner_.Transact(mode, [&](Transaction& tx) {
    FaultyTransaction faulty(tx, *this);
    Status status = work(faulty);
    // Failing the work after it succeeded makes the wrapped store roll back, which is
    // what a failed commit leaves behind.
    if (status.ok() && mode == TxMode::kWrite && fail_next_commit_.exchange(false)) {
      fired_ = true;
      return Status::Unavailable("injected commit failure", "faulty");
    }
    return status;
  });
}

}  // namespace libsync::testing
