#include "libsync/hook_cache.hpp"

#include <functional>
#include <map>
#include <unordered_map>

#include "access.hpp"
#include "libsync/credentials.hpp"
#include "libsync/thread_annotations.hpp"

namespace libsync {
namespace {

// A value read from the store at `fetched_at`.
template <class T>
struct Slot {
  std::optional<T> value;
  Timestamp fetched_at{};
};

// The rendered doc in the map's node itself: no shared block beside it (64 bytes a doc),
// and a hit copies its bytes out under the reader lock, the one copy an answer needs.
struct DocSlot {
  RenderedDoc doc;
  Timestamp fetched_at{};
};

// Lookups by string_view without building a std::string per request.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const noexcept { return std::hash<std::string_view>()(name); }
};

using DocMap = std::unordered_map<std::string, DocSlot, NameHash, std::equal_to<>>;

// The heap a string holds beyond its own object (none within the small-string buffer),
// with the allocator's header.
std::size_t HeapBytes(const std::string& s) {
  static const std::size_t kInline = std::string().capacity();
  return s.capacity() > kInline ? s.capacity() + 1 + 16 : 0;
}

// What a kept doc counts against max_doc_bytes: what it holds in memory, its bytes and
// the map's copy of its name, and the map node holding both. A flat charge per doc let
// many small docs hold several times the budget.
std::size_t DocCharge(const std::string& name, const RenderedDoc& d) {
  constexpr std::size_t kFixed = sizeof(std::string) + sizeof(DocSlot) + 16 /* next, header */ + 8 /* bucket */;
  return kFixed + HeapBytes(name) + HeapBytes(d.bytes);
}

// The doc as the cache keeps it: rendered once, without the slack a renderer may have
// reserved (tens of bytes a doc, held for as long as the doc is kept).
RenderedDoc Render(const Doc& doc, DocRenderer render) {
  RenderedDoc kept{.version = doc.version, .bytes = render ? render(doc) : doc.content};
  kept.bytes.shrink_to_fit();
  return kept;
}

struct ProjectEntry {
  // Moves on every invalidation: a fill stores its answer only if its entry's generation
  // is still the one it saw before its read began, so a read that raced with a write is
  // not kept. Drawn from State::last_generation, never reused: an entry trimmed and made
  // again while a fill reads must not look unchanged to that fill.
  std::uint64_t generation = 0;
  Slot<Result<std::optional<Lock>>> lock;
  Slot<Result<DocsState>> docs;
  DocMap doc_texts;
  std::size_t doc_bytes = 0;  // the DocCharge of doc_texts

  // Returns the bytes of doc text it let go.
  std::size_t Invalidate(std::uint64_t next_generation) {
    generation = next_generation;
    lock.value.reset();
    docs.value.reset();
    return DropDocs();
  }
  std::size_t DropDocs() {
    const std::size_t dropped = doc_bytes;
    doc_texts.clear();
    doc_bytes = 0;
    return dropped;
  }
};

struct KeyEntry {
  Result<Caller> caller = Status::Unauthenticated("");
  Timestamp fetched_at{};
};

// A lock read while live may have expired since: it reads as no lock from then on.
Result<std::optional<Lock>> DropExpired(Result<std::optional<Lock>> state, Timestamp now) {
  if (state && *state && !(*state)->LiveAt(now)) return std::optional<Lock>();
  return state;
}

template <class Map>
void Trim(Map& map, std::size_t max_entries) {
  if (map.size() < max_entries) return;
  // Rare (only under a flood of distinct keys or projects): keep it simple and drop all;
  // the next requests refill from the store.
  map.clear();
}

}  // namespace

using ProjectMap = std::map<std::string, ProjectEntry, std::less<>>;

struct HookCache::State {
  SharedMutex mutex;
  std::unordered_map<std::string, KeyEntry> keys LIBSYNC_GUARDED_BY(mutex);  // by key hash
  // Counts drops of remembered keys: an Authenticate keeps its answer only if none
  // happened since its read began, so a key revoked during the read is not remembered
  // as valid.
  std::uint64_t keys_generation LIBSYNC_GUARDED_BY(mutex) = 0;
  ProjectMap projects LIBSYNC_GUARDED_BY(mutex);
  std::uint64_t last_generation LIBSYNC_GUARDED_BY(mutex) = 0;  // the newest any entry was given
  std::size_t doc_bytes LIBSYNC_GUARDED_BY(mutex) = 0;  // the sum of the projects' doc_bytes

  // The successful answers for keys of `project_id` (failures stay failures).
  void DropKeysOf(std::string_view project_id) LIBSYNC_REQUIRES(mutex) {
    ++keys_generation;
    std::erase_if(keys, [&](const auto& entry) {
      const Result<Caller>& caller = entry.second.caller;
      return caller && caller->project_id() == project_id;
    });
  }

  // The project's first read: its entry exists before the load starts, so a write that
  // commits during the load finds it and moves its generation. Returns that generation.
  std::uint64_t AddEntry(std::string_view project_id, std::size_t max_entries) LIBSYNC_EXCLUDES(mutex) {
    WriterLock lock(mutex);
    auto it = projects.find(project_id);
    if (it == projects.end()) {
      if (projects.size() >= max_entries) doc_bytes = 0;  // Trim below drops every entry
      Trim(projects, max_entries);
      it = projects.emplace(std::string(project_id), ProjectEntry{.generation = ++last_generation}).first;
    }
    return it->second.generation;
  }

  void Invalidate(ProjectEntry& entry) LIBSYNC_REQUIRES(mutex) { doc_bytes -= entry.Invalidate(++last_generation); }
  void Erase(ProjectMap::iterator it) LIBSYNC_REQUIRES(mutex) {
    doc_bytes -= it->second.DropDocs();
    projects.erase(it);
  }

  // The project's doc when it is fresh; else nullopt, with the entry's generation (0 when
  // it has none) in `*generation`.
  std::optional<RenderedDoc> FreshDoc(std::string_view project_id, std::string_view file_name, Timestamp now,
                                      Duration max_staleness, std::uint64_t* generation, bool* has_entry)
      LIBSYNC_EXCLUDES(mutex) {
    ReaderLock lock(mutex);
    auto it = projects.find(project_id);
    *has_entry = it != projects.end();
    if (!*has_entry) return std::nullopt;
    const DocMap& docs = it->second.doc_texts;
    if (auto d = docs.find(file_name); d != docs.end() && now - d->second.fetched_at < max_staleness) {
      return d->second.doc;
    }
    *generation = it->second.generation;
    return std::nullopt;
  }

  // Keeps `doc` as `name`, read at `now`, unless the project's entry moved past
  // `generation` (or is gone) meanwhile. A doc that would pass `max_bytes` empties every
  // project's docs first.
  void KeepDoc(std::string_view project_id, std::uint64_t generation, std::string name,
               RenderedDoc doc, Timestamp now, std::size_t max_bytes) LIBSYNC_EXCLUDES(mutex) {
    const std::size_t charge = DocCharge(name, doc);
    if (charge > max_bytes) return;
    WriterLock lock(mutex);
    auto it = projects.find(project_id);
    if (it == projects.end() || it->second.generation != generation) return;
    ProjectEntry& entry = it->second;
    if (auto old = entry.doc_texts.find(name); old != entry.doc_texts.end()) {
      const std::size_t old_charge = DocCharge(old->first, old->second.doc);
      entry.doc_bytes -= old_charge;
      doc_bytes -= old_charge;
      entry.doc_texts.erase(old);
    }
    if (doc_bytes + charge > max_bytes) {
      // As Trim: rare, and simple. The next reads refill from the store.
      for (auto& [id, e] : projects) e.DropDocs();
      doc_bytes = 0;
    }
    entry.doc_bytes += charge;
    doc_bytes += charge;
    entry.doc_texts.insert_or_assign(std::move(name), DocSlot{std::move(doc), now});
  }

  // Slot `member` of the project's entry when it is fresh; else nullopt, with the entry's
  // generation (0 when it has none) in `*generation`.
  template <class T>
  std::optional<Result<T>> Fresh(std::string_view project_id, Slot<Result<T>> ProjectEntry::*member, Timestamp now,
                                 Duration max_staleness, std::uint64_t* generation, bool* has_entry)
      LIBSYNC_EXCLUDES(mutex) {
    ReaderLock lock(mutex);
    auto it = projects.find(project_id);
    *has_entry = it != projects.end();
    if (!*has_entry) return std::nullopt;
    const Slot<Result<T>>& slot = it->second.*member;
    if (slot.value && now - slot.fetched_at < max_staleness) return *slot.value;
    *generation = it->second.generation;
    return std::nullopt;
  }

  // Reads slot `member` of the project's entry, filling it with `load()` when absent or
  // older than the staleness bound. A fill keeps its answer only if the entry's generation
  // did not move while it read the store: a write that committed meanwhile invalidated it.
  template <class T, class Load>
  Result<T> Cached(std::string_view project_id, Slot<Result<T>> ProjectEntry::*member, Timestamp now,
                   Duration max_staleness, std::size_t max_entries, Load&& load) LIBSYNC_EXCLUDES(mutex) {
    std::uint64_t generation = 0;
    bool has_entry = false;
    if (auto fresh = Fresh(project_id, member, now, max_staleness, &generation, &has_entry)) return *fresh;
    if (!has_entry) generation = AddEntry(project_id, max_entries);
    Result<T> loaded = load();
    if (!loaded && loaded.error().code() != ErrorCode::kNotFound) return loaded;  // outages are not cached
    WriterLock lock(mutex);
    auto it = projects.find(project_id);
    if (it == projects.end()) return loaded;  // trimmed or forgotten meanwhile: the next read fills it
    if (it->second.generation == generation) it->second.*member = {loaded, now};
    return loaded;
  }
};

HookCache::HookCache(KeyService& keys, HookService& hooks, DocService& docs, Clock& clock, EventSink& next,
                     HookCacheOptions options)
    : keys_(keys),
      hooks_(hooks),
      docs_(docs),
      clock_(clock), next_(next), options_(options), state_(std::make_unique<State>()) {}

HookCache::~HookCache() = default;

void HookCache::Publish(std::span<const Event> events) noexcept {
  {
    WriterLock lock(state_->mutex);
    for (const Event& e : events) {
      if (e.type == event_type::kKeyRevoked) {
        state_->DropKeysOf(e.project_id);
      } else if (e.type == event_type::kProjectDeleted) {
        state_->DropKeysOf(e.project_id);
        // Erased, not just invalidated: a deleted project's entry would never be read
        // again. A fill racing with this finds no entry and keeps nothing.
        if (auto it = state_->projects.find(e.project_id); it != state_->projects.end()) state_->Erase(it);
        continue;
      }
      auto it = state_->projects.find(e.project_id);
      if (it != state_->projects.end()) state_->Invalidate(it->second);
    }
  }
  next_.Publish(events);
}

std::optional<Result<Caller>> HookCache::FreshKey(const std::string& hash, Timestamp now, std::uint64_t* generation) {
  ReaderLock lock(state_->mutex);
  auto it = state_->keys.find(hash);
  if (it != state_->keys.end() && now - it->second.fetched_at < options_.max_staleness) return it->second.caller;
  if (generation) *generation = state_->keys_generation;
  return std::nullopt;
}

std::optional<Result<Caller>> HookCache::PeekAuthenticate(std::string_view plain_key) {
  return FreshKey(HashSecret(plain_key), clock_.Now(), nullptr);
}

Result<Caller> HookCache::Authenticate(std::string_view plain_key) {
  const Timestamp now = clock_.Now();
  const std::string hash = HashSecret(plain_key);
  std::uint64_t generation = 0;
  if (auto cached = FreshKey(hash, now, &generation)) return std::move(*cached);
  Result<Caller> caller = keys_.Authenticate(plain_key);
  // Store failures only when they are the key's fault, never a store outage.
  if (caller || caller.error().code() == ErrorCode::kUnauthenticated) {
    WriterLock lock(state_->mutex);
    if (state_->keys_generation == generation) {
      Trim(state_->keys, options_.max_entries);
      state_->keys[hash] = {caller, now};
    }
  }
  return caller;
}

Result<std::optional<Lock>> HookCache::LockState(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  const Timestamp now = clock_.Now();
  // The store is asked as the admin: access was checked above, and the cached answer is
  // shared by every caller allowed to see the project.
  return DropExpired(state_->Cached<std::optional<Lock>>(project_id, &ProjectEntry::lock, now, options_.max_staleness,
                                                         options_.max_entries,
                                                         [&] { return hooks_.LockState(Caller::Admin(), project_id); }),
                     now);
}

Result<DocsState> HookCache::DocsHash(const Caller& caller, std::string_view project_id) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  const Timestamp now = clock_.Now();
  return state_->Cached<DocsState>(project_id, &ProjectEntry::docs, now, options_.max_staleness, options_.max_entries,
                                   [&] { return hooks_.DocsHash(Caller::Admin(), project_id); });
}

std::optional<Result<std::optional<Lock>>> HookCache::PeekLockState(const Caller& caller,
                                                                   std::string_view project_id) {
  if (Status s = detail::CheckAccess(caller, project_id, detail::Access::kRead); !s.ok()) return s;
  const Timestamp now = clock_.Now();
  std::uint64_t generation = 0;
  bool has_entry = false;
  auto state = state_->Fresh(project_id, &ProjectEntry::lock, now, options_.max_staleness, &generation, &has_entry);
  if (!state) return std::nullopt;
  return DropExpired(std::move(*state), now);
}

std::optional<Result<DocsState>> HookCache::PeekDocsHash(const Caller& caller, std::string_view project_id) {
  if (Status s = detail::CheckAccess(caller, project_id, detail::Access::kRead); !s.ok()) return s;
  std::uint64_t generation = 0;
  bool has_entry = false;
  return state_->Fresh(project_id, &ProjectEntry::docs, clock_.Now(), options_.max_staleness, &generation,
                       &has_entry);
}

Result<RenderedDoc> HookCache::GetDoc(const Caller& caller, std::string_view project_id,
                                                    std::string_view file_name) {
  LIBSYNC_RETURN_IF_ERROR(detail::CheckAccess(caller, project_id, detail::Access::kRead));
  const Timestamp now = clock_.Now();
  std::uint64_t generation = 0;
  bool has_entry = false;
  if (auto fresh = state_->FreshDoc(project_id, file_name, now, options_.max_staleness, &generation, &has_entry)) {
    return std::move(*fresh);
  }
  if (!has_entry) generation = state_->AddEntry(project_id, options_.max_entries);
  // As the admin, as for the lock state: access was checked above, and the doc is shared
  // by every caller allowed to see the project.
  LIBSYNC_ASSIGN_OR_RETURN(Doc loaded, docs_.Get(Caller::Admin(), project_id, file_name));
  RenderedDoc doc = Render(loaded, options_.render_doc);
  state_->KeepDoc(project_id, generation, std::move(loaded.file_name), doc, now, options_.max_doc_bytes);
  return doc;
}

std::optional<Result<RenderedDoc>> HookCache::PeekDoc(const Caller& caller, std::string_view project_id,
                                                     std::string_view file_name) {
  if (Status s = detail::CheckAccess(caller, project_id, detail::Access::kRead); !s.ok()) return s;
  std::uint64_t generation = 0;
  bool has_entry = false;
  auto doc = state_->FreshDoc(project_id, file_name, clock_.Now(), options_.max_staleness, &generation, &has_entry);
  if (!doc) return std::nullopt;
  return Result<RenderedDoc>(std::move(*doc));
}

}  // namespace libsync
