// The in-memory Store. One SharedMutex makes write transactions serial and lets reads
// overlap; every mutation records how to undo itself, so a transaction whose work fails
// (or throws) leaves no trace. Undo records may hold pointers into std::map nodes: nodes
// never move, and undo runs newest first, so every node a record points to still exists.

#include "libsync/memory/memory_store.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <variant>

#include "case_twins.hpp"
#include "libsync/thread_annotations.hpp"
#include "memory_event_log.hpp"

namespace libsync {
namespace {

template <class V>
using StringMap = std::map<std::string, V, std::less<>>;

struct ProjectData {
  Project project;
  StringMap<Doc> docs;  // by fileName, so iteration is bytewise-sorted
  StringMap<DocTombstone> tombstones;  // by fileName, likewise
  StringMap<DocConflict> conflicts;    // by fileName, likewise
  std::string poll_holder;             // the polling lease (ClaimPoll)
  std::optional<Timestamp> poll_until;
  std::optional<Lock> lock;
  std::int64_t fence = 0;
  detail::MemoryEventLog events;
};

struct State {
  StringMap<ProjectData> projects;
  StringMap<std::map<std::int64_t, DocVersion>> versions;  // by doc id
  StringMap<ApiKey> keys;                                   // by id
  StringMap<std::string> key_by_hash;
};

// Undo records. The lock-cycle path (lock row, fence, event) has typed records so that
// a hot transaction allocates nothing for its undo log; rarer writes use closures.
struct RestoreLock {
  ProjectData* project;
  std::optional<Lock> old;
};
struct DecrementFence {
  ProjectData* project;
};
struct PopEvent {
  ProjectData* project;
  detail::MemoryEventLog::Undo undo;
};
using UndoRecord = std::variant<std::function<void()>, RestoreLock, DecrementFence, PopEvent>;

void Undo(UndoRecord& record) {
  struct {
    void operator()(std::function<void()>& fn) const { fn(); }
    void operator()(RestoreLock& r) const { r.project->lock = std::move(r.old); }
    void operator()(DecrementFence& r) const { --r.project->fence; }
    void operator()(PopEvent& r) const { r.project->events.Revert(r.undo); }
  } visitor;
  std::visit(visitor, record);
}

// What a write transaction leaves behind: its undo records, and after a commit the lock
// row it replaced, whose buffers the next PutLock refills instead of allocating (a lock
// cycle would otherwise allocate a row's three strings every time).
struct WriteLog {
  std::vector<UndoRecord> undo;
  Lock spare_lock;

  void Commit() {
    for (UndoRecord& record : undo) {
      if (auto* r = std::get_if<RestoreLock>(&record); r && r->old) spare_lock = std::move(*r->old);
    }
    undo.clear();  // drops what the records kept alive (old rows, dropped events)
  }
};

Status NoProject(std::string_view id) {
  return Status::NotFound("project '" + std::string(id) + "' not found");
}

class MemoryTransaction final : public Transaction {
 public:
  // `log` is the store's, reused by every write transaction (writers are serial), so its
  // capacity is allocated once.
  MemoryTransaction(State& state, TxMode mode, std::size_t event_retention, WriteLog& log)
      : s_(state), mode_(mode), event_retention_(event_retention), log_(log), undo_(log.undo) {
    undo_.clear();
  }

  void Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) Undo(*it);
    undo_.clear();
    last_ = nullptr;  // an undone insert may have erased it
  }

  // --- projects ---
  Result<Project> GetProject(std::string_view id) override {
    auto* p = Find(id);
    if (!p) return NoProject(id);
    return p->project;
  }
  Status LockProject(std::string_view id) override {
    // The store-wide write lock already serializes writers; only existence is left.
    return Find(id) ? Status::Ok() : NoProject(id);
  }
  Result<std::vector<Project>> ListProjects() override {
    std::vector<Project> out;
    for (const auto& [id, p] : s_.projects) out.push_back(p.project);
    std::sort(out.begin(), out.end(), [](const Project& a, const Project& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    return out;
  }
  Status InsertProject(const Project& project) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    if (Find(project.id)) return Status::PreconditionFailed("project id exists");
    s_.projects.emplace(project.id, ProjectData{project, {}, {}, {}, {}, {}, {}, 0, {}});
    undo_.push_back([this, id = project.id] { s_.projects.erase(id); });
    return Status::Ok();
  }
  Status UpdateProject(const Project& project) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project.id);
    if (!p) return NoProject(project.id);
    undo_.push_back([p, old = p->project] { p->project = old; });
    const std::optional<Timestamp> next_poll = p->project.next_poll_at;  // ClaimPoll's alone
    p->project = project;
    p->project.next_poll_at = next_poll;
    return Status::Ok();
  }
  Result<bool> ClaimPoll(std::string_view project_id, std::string_view holder, Timestamp now, Timestamp until,
                         Timestamp next_poll_at) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    const bool claimable =
        p->poll_holder.empty() || p->poll_holder == holder || !p->poll_until || *p->poll_until <= now;
    if (!claimable) return false;
    undo_.push_back([p, old_holder = p->poll_holder, old_until = p->poll_until, old_next = p->project.next_poll_at] {
      p->poll_holder = old_holder;
      p->poll_until = old_until;
      p->project.next_poll_at = old_next;
    });
    p->poll_holder = std::string(holder);
    p->poll_until = until;
    p->project.next_poll_at = next_poll_at;
    return true;
  }
  Status DeleteProject(std::string_view id) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto it = s_.projects.find(id);
    if (it == s_.projects.end()) return NoProject(id);
    for (const auto& [name, doc] : it->second.docs) EraseVersions(doc.id);
    for (auto k = s_.keys.begin(); k != s_.keys.end();) {
      if (k->second.project_id == id) {
        EraseKey(k++);
      } else {
        ++k;
      }
    }
    // Extracting keeps the node (and pointers into it) alive for the undo.
    last_ = nullptr;
    auto node = std::make_shared<StringMap<ProjectData>::node_type>(s_.projects.extract(it));
    undo_.push_back([this, node] { s_.projects.insert(std::move(*node)); });
    return Status::Ok();
  }

  // --- docs ---
  Result<Doc> GetDoc(std::string_view project_id, std::string_view file_name) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    auto it = p->docs.find(file_name);
    if (it == p->docs.end()) return NoDoc(file_name);
    return it->second;
  }
  Result<std::vector<Doc>> ListDocs(std::string_view project_id) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    std::vector<Doc> out;
    out.reserve(p->docs.size());
    for (const auto& [name, doc] : p->docs) out.push_back(doc);
    return out;
  }
  Result<std::vector<DocSummary>> ListDocSummaries(std::string_view project_id) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    std::vector<DocSummary> out;
    out.reserve(p->docs.size());
    for (const auto& [name, d] : p->docs) {
      out.push_back({d.file_name, d.hash, d.version, d.updated_at, d.base_blob_oid, d.blob_oid});
    }
    return out;
  }
  // A scan: in memory it compares two strings per doc (microseconds at 10,000 docs), so
  // keeping a second index in step with every write would cost more than it saves.
  Result<std::vector<Doc>> ListDocsToExport(std::string_view project_id) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    std::vector<Doc> out;
    for (const auto& [name, d] : p->docs) {
      if (d.blob_oid.empty() || d.blob_oid != d.base_blob_oid) out.push_back(d);
    }
    return out;
  }
  Result<std::optional<std::string>> FindPathClash(std::string_view project_id, std::string_view file_name) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    for (const auto& [name, doc] : p->docs) {
      if (name != file_name && detail::PathClashOf(file_name, name) != detail::PathClash::kNone) {
        return std::optional<std::string>(name);
      }
    }
    return std::optional<std::string>();
  }
  Status InsertDoc(const Doc& doc) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(doc.project_id);
    if (!p) return NoProject(doc.project_id);
    if (!p->docs.emplace(doc.file_name, doc).second) {
      return Status::PreconditionFailed("doc '" + doc.file_name + "' already exists");
    }
    undo_.push_back([p, name = doc.file_name] { p->docs.erase(name); });
    return Status::Ok();
  }
  Result<std::vector<std::string>> InsertNewDocs(std::span<const NewDoc> docs) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    std::vector<std::string> taken;
    for (const NewDoc& n : docs) {
      auto* p = Find(n.doc.project_id);
      if (!p) return NoProject(n.doc.project_id);
      if (p->docs.count(n.doc.file_name)) {
        taken.push_back(n.doc.file_name);
        continue;
      }
      LIBSYNC_RETURN_IF_ERROR(InsertDoc(n.doc));
      const Doc& d = n.doc;
      LIBSYNC_RETURN_IF_ERROR(InsertDocVersion(
          {n.version_id, d.id, d.project_id, d.file_name, d.version, d.content, d.hash, n.author, n.source,
           d.created_at, d.blob_oid}));
    }
    return taken;
  }
  Status UpdateDoc(const Doc& doc, std::int64_t expected_version) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(doc.project_id);
    if (!p) return NoProject(doc.project_id);
    auto it = p->docs.find(doc.file_name);
    if (it == p->docs.end() || it->second.id != doc.id) return NoDoc(doc.file_name);
    if (it->second.version != expected_version) {
      return Status::PreconditionFailed("doc '" + doc.file_name + "' is at version " +
                                        std::to_string(it->second.version));
    }
    undo_.push_back([slot = &it->second, old = it->second] { *slot = old; });
    it->second = doc;
    return Status::Ok();
  }
  Status DeleteDoc(std::string_view project_id, std::string_view file_name) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    auto it = p->docs.find(file_name);
    if (it == p->docs.end()) return NoDoc(file_name);
    EraseVersions(it->second.id);
    auto node = std::make_shared<StringMap<Doc>::node_type>(p->docs.extract(it));
    undo_.push_back([p, node] { p->docs.insert(std::move(*node)); });
    return Status::Ok();
  }

  // --- tombstones ---
  Status PutTombstone(const DocTombstone& tombstone) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(tombstone.project_id);
    if (!p) return NoProject(tombstone.project_id);
    auto it = p->tombstones.find(tombstone.file_name);
    if (it == p->tombstones.end()) {
      p->tombstones.emplace(tombstone.file_name, tombstone);
      undo_.push_back([p, name = tombstone.file_name] { p->tombstones.erase(name); });
    } else {
      undo_.push_back([slot = &it->second, old = it->second] { *slot = old; });
      it->second = tombstone;
    }
    return Status::Ok();
  }
  Result<std::vector<DocTombstone>> ListTombstones(std::string_view project_id) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    std::vector<DocTombstone> out;
    out.reserve(p->tombstones.size());
    for (const auto& [name, t] : p->tombstones) out.push_back(t);
    return out;
  }
  Result<std::optional<DocTombstone>> TakeTombstone(std::string_view project_id,
                                                    std::string_view file_name) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    auto it = p->tombstones.find(file_name);
    if (it == p->tombstones.end()) return std::optional<DocTombstone>();
    std::optional<DocTombstone> taken = it->second;
    auto node = std::make_shared<StringMap<DocTombstone>::node_type>(p->tombstones.extract(it));
    undo_.push_back([p, node] { p->tombstones.insert(std::move(*node)); });
    return taken;
  }

  // --- conflicts ---
  Status PutConflict(const DocConflict& conflict) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(conflict.project_id);
    if (!p) return NoProject(conflict.project_id);
    auto it = p->conflicts.find(conflict.file_name);
    if (it == p->conflicts.end()) {
      p->conflicts.emplace(conflict.file_name, conflict);
      undo_.push_back([p, name = conflict.file_name] { p->conflicts.erase(name); });
    } else {
      undo_.push_back([slot = &it->second, old = it->second] { *slot = old; });
      it->second = conflict;
    }
    return Status::Ok();
  }
  Result<std::vector<DocConflict>> ListConflicts(std::string_view project_id) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    std::vector<DocConflict> out;
    out.reserve(p->conflicts.size());
    for (const auto& [name, c] : p->conflicts) out.push_back(c);
    return out;
  }
  Result<std::optional<DocConflict>> TakeConflict(std::string_view project_id, std::string_view file_name) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    auto it = p->conflicts.find(file_name);
    if (it == p->conflicts.end()) return std::optional<DocConflict>();
    std::optional<DocConflict> taken = it->second;
    auto node = std::make_shared<StringMap<DocConflict>::node_type>(p->conflicts.extract(it));
    undo_.push_back([p, node] { p->conflicts.insert(std::move(*node)); });
    return taken;
  }
  Status ClearConflicts(std::string_view project_id) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    if (p->conflicts.empty()) return Status::Ok();
    undo_.push_back([p, old = std::move(p->conflicts)]() mutable { p->conflicts = std::move(old); });
    p->conflicts.clear();
    return Status::Ok();
  }

  // --- versions ---
  Status InsertDocVersion(const DocVersion& v) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto& versions = s_.versions[v.doc_id];
    if (!versions.emplace(v.version, v).second) {
      return Status::PreconditionFailed("version " + std::to_string(v.version) + " exists");
    }
    undo_.push_back([this, doc_id = v.doc_id, n = v.version] {
      auto it = s_.versions.find(doc_id);
      it->second.erase(n);
      if (it->second.empty()) s_.versions.erase(it);
    });
    return Status::Ok();
  }
  Result<std::vector<DocVersion>> ListDocVersions(std::string_view doc_id) override {
    std::vector<DocVersion> out;
    auto it = s_.versions.find(doc_id);
    if (it == s_.versions.end()) return out;
    for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
      out.push_back(v->second);
      out.back().content.clear();
    }
    return out;
  }
  Result<DocVersion> GetDocVersion(std::string_view doc_id, std::int64_t version) override {
    auto it = s_.versions.find(doc_id);
    if (it != s_.versions.end()) {
      auto v = it->second.find(version);
      if (v != it->second.end()) return v->second;
    }
    return Status::NotFound("version " + std::to_string(version) + " not found");
  }

  // --- locks ---
  Status ReadLock(std::string_view project_id, FunctionRef<Status(const Lock*)> read) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    return read(p->lock ? &*p->lock : nullptr);
  }
  Status PutLock(const Lock& lock) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(lock.project_id);
    if (!p) return NoProject(lock.project_id);
    SaveLockForUndo(*p);
    p->lock.emplace(std::move(log_.spare_lock));
    *p->lock = lock;  // copied into the spare's buffers
    return Status::Ok();
  }
  Status DeleteLock(std::string_view project_id) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    SaveLockForUndo(*p);
    p->lock.reset();
    return Status::Ok();
  }
  Result<std::int64_t> NextFence(std::string_view project_id) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    undo_.emplace_back(DecrementFence{p});
    return ++p->fence;
  }
  Result<std::vector<Lock>> ListExpiredLocks(Timestamp now) override {
    std::vector<Lock> out;
    for (const auto& [id, p] : s_.projects) {
      if (p.lock && !p.lock->LiveAt(now)) out.push_back(*p.lock);
    }
    return out;
  }

  // --- keys ---
  Status InsertApiKey(const ApiKey& key) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    if (!Find(key.project_id)) return NoProject(key.project_id);
    if (s_.keys.count(key.id) || s_.key_by_hash.count(key.key_hash)) {
      return Status::PreconditionFailed("api key exists");
    }
    s_.keys.emplace(key.id, key);
    s_.key_by_hash.emplace(key.key_hash, key.id);
    undo_.push_back([this, id = key.id, hash = key.key_hash] {
      s_.keys.erase(id);
      s_.key_by_hash.erase(hash);
    });
    return Status::Ok();
  }
  Result<ApiKey> GetApiKey(std::string_view id) override {
    auto it = s_.keys.find(id);
    if (it == s_.keys.end()) return Status::NotFound("api key not found");
    return it->second;
  }
  Result<ApiKey> FindApiKeyByHash(std::string_view key_hash) override {
    auto it = s_.key_by_hash.find(key_hash);
    if (it == s_.key_by_hash.end()) return Status::NotFound("api key not found");
    return s_.keys.find(it->second)->second;
  }
  Result<std::vector<ApiKey>> ListApiKeys(std::string_view project_id) override {
    if (!Find(project_id)) return NoProject(project_id);
    std::vector<ApiKey> out;
    for (const auto& [id, k] : s_.keys) {
      if (k.project_id == project_id) out.push_back(k);
    }
    std::sort(out.begin(), out.end(), [](const ApiKey& a, const ApiKey& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    return out;
  }
  Status UpdateApiKey(const ApiKey& key) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto it = s_.keys.find(key.id);
    if (it == s_.keys.end()) return Status::NotFound("api key not found");
    undo_.push_back([this, old = it->second] { s_.keys.find(old.id)->second = old; });
    ApiKey& k = it->second;
    k.name = key.name;
    k.is_active = key.is_active;
    k.scope = key.scope;
    k.last_used_at = key.last_used_at;
    k.last_pulled_hash = key.last_pulled_hash;
    k.last_pulled_at = key.last_pulled_at;
    return Status::Ok();
  }

  // --- events ---
  Result<std::int64_t> AppendEvent(std::string_view project_id, std::string_view type,
                                   std::string_view payload, Timestamp at) override {
    LIBSYNC_RETURN_IF_ERROR(Writable());
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    undo_.reserve(undo_.size() + 1);  // so that recording the undo cannot fail after the append
    detail::MemoryEventLog::Undo undo;
    const std::int64_t seq = p->events.Append(type, payload, at, event_retention_, undo);
    undo_.emplace_back(PopEvent{p, std::move(undo)});
    return seq;
  }
  Result<EventPage> ReadEvents(std::string_view project_id, std::int64_t after_seq,
                               std::size_t limit) override {
    auto* p = Find(project_id);
    if (!p) return NoProject(project_id);
    EventPage page;
    page.head_seq = p->events.head_seq();
    page.oldest_seq = p->events.oldest_seq();
    page.events = p->events.Read(p->project.id, after_seq, limit);
    return page;
  }

 private:
  // A use case asks for the same project several times per transaction (lock row,
  // fence, event): the last one found is remembered, keyed by the map's own key.
  ProjectData* Find(std::string_view id) {
    if (last_ && id == last_id_) return last_;
    auto it = s_.projects.find(id);
    if (it == s_.projects.end()) return nullptr;
    last_id_ = it->first;
    last_ = &it->second;
    return last_;
  }
  Status Writable() const {
    if (mode_ == TxMode::kWrite) return Status::Ok();
    return Status::Internal("write attempted in a read transaction", "memory");
  }
  static Status NoDoc(std::string_view name) {
    return Status::NotFound("doc '" + std::string(name) + "' not found");
  }
  // The old value moves into the undo record; callers overwrite p.lock right after.
  void SaveLockForUndo(ProjectData& p) {
    undo_.emplace_back(RestoreLock{&p, std::move(p.lock)});
  }
  void EraseVersions(const std::string& doc_id) {
    auto it = s_.versions.find(doc_id);
    if (it == s_.versions.end()) return;
    undo_.push_back([this, id = doc_id, old = std::move(it->second)]() mutable {
      s_.versions.emplace(id, std::move(old));
    });
    s_.versions.erase(it);
  }
  void EraseKey(StringMap<ApiKey>::iterator it) {
    undo_.push_back([this, old = it->second] {
      s_.keys.emplace(old.id, old);
      s_.key_by_hash.emplace(old.key_hash, old.id);
    });
    s_.key_by_hash.erase(it->second.key_hash);
    s_.keys.erase(it);
  }

  State& s_;
  ProjectData* last_ = nullptr;
  std::string_view last_id_;
  TxMode mode_;
  std::size_t event_retention_;
  WriteLog& log_;
  std::vector<UndoRecord>& undo_;
};

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(MemoryStoreOptions options) : options_(options) {}

  Status Transact(TxMode mode, const Work& work) override {
    if (mode == TxMode::kRead) {
      ReaderLock lock(mutex_);
      WriteLog unused;  // read transactions never write to it
      MemoryTransaction tx(state_, mode, options_.event_retention, unused);
      return work(tx);
    }
    WriterLock lock(mutex_);
    MemoryTransaction tx(state_, mode, options_.event_retention, log_);
    Status status;
    try {
      status = work(tx);
    } catch (...) {
      tx.Rollback();
      throw;
    }
    if (status.ok()) {
      log_.Commit();
    } else {
      tx.Rollback();
    }
    return status;
  }

  std::string_view Kind() const noexcept override { return "memory"; }

 private:
  MemoryStoreOptions options_;
  SharedMutex mutex_;
  State state_ LIBSYNC_GUARDED_BY(mutex_);  // read transactions share it, write transactions hold it alone
  WriteLog log_ LIBSYNC_GUARDED_BY(mutex_);
};

}  // namespace

std::unique_ptr<Store> MakeMemoryStore(MemoryStoreOptions options) {
  return std::make_unique<MemoryStore>(options);
}

}  // namespace libsync
