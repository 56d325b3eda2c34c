#pragma once
// HookCache: the workstation hot path served from memory. Key authentication, lock state,
// the docs hash and each doc's current text, as the hook routes and the doc GET ask for
// them many times a day per developer.
//
// Entries come from the Store and are trusted for at most `max_staleness`. The events that
// pass through the cache drop what they make stale at once: any event of a project drops
// its lock, docs hash and docs; `key:revoked` also drops the project's remembered keys, and
// `project:deleted` drops the project and its keys. So a change made through the services
// that publish into this cache (and, through an EventRelay, another process's change once
// its notice arrives) is seen on the very next request. A change whose event never passes
// through (another process without a relay) is seen once the entry ages out: that is the
// bound on how stale a hook answer can be. Lock expiry needs no event: a cached lock is
// checked against the clock on every read.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libsync/caller.hpp"
#include "libsync/doc_service.hpp"
#include "libsync/hook_service.hpp"
#include "libsync/key_service.hpp"
#include "libsync/ports/clock.hpp"
#include "libsync/ports/event_sink.hpp"

namespace libsync {

/// What the cache keeps of a doc it serves: the bytes HookCacheOptions::render_doc made of
/// it, once per fill, and its version. No Doc beside it, so a hit costs no formatting and a
/// kept doc holds little more than its answer.
struct RenderedDoc {
  std::int64_t version = 0;
  std::string bytes;
};

/// Turns a doc read from the store into the bytes the cache keeps of it. A plain function,
/// so a reader can tell whose form the kept bytes are in (HookCache::doc_renderer): the HTTP
/// adapter keeps each doc's 200 answer (web::RenderDocAnswer) and answers from the cache
/// only when the cache renders with it. Must not throw.
using DocRenderer = std::string (*)(const Doc& doc);

struct HookCacheOptions {
  Duration max_staleness = std::chrono::seconds(1);
  /// Entries kept in each of the two maps (keys, projects). A fill that finds its map
  /// full empties it first, and the next requests refill it from the store: only a flood
  /// of distinct keys or projects gets there.
  std::size_t max_entries = 100000;
  /// Bytes the docs kept for GetDoc hold in memory: their rendered bytes, the RenderedDoc
  /// objects and the map's nodes, so many small docs cannot hold more than large ones. A
  /// fill that would pass it empties every project's docs first. 48 MiB holds 10,000 docs of
  /// 4 KB as the HTTP adapter renders them (about 4.5 KB each in memory).
  std::size_t max_doc_bytes = std::size_t{48} << 20;
  /// What GetDoc keeps of each doc (RenderedDoc::bytes). Null: the doc's content.
  DocRenderer render_doc = nullptr;
};

/// An EventSink in the event path: it drops the entries each event makes stale, then
/// forwards the events to `next`. Reads go through the KeyService, HookService and
/// DocService given at construction. SyncService builds one when asked (EventPathOptions::hook_cache);
/// an embedder may also build one over services whose events it routes through it.
/// Thread-safe.
class HookCache final : public EventSink {
 public:
  /// `keys`, `hooks`, `docs`, `clock` and `next` must outlive the cache; only the
  /// references are kept here, so the services may be constructed after the cache.
  HookCache(KeyService& keys, HookService& hooks, DocService& docs, Clock& clock, EventSink& next,
            HookCacheOptions options = {});
  ~HookCache() override;
  HookCache(const HookCache&) = delete;
  HookCache& operator=(const HookCache&) = delete;

  /// Drops what the events make stale (see the file comment), then forwards them.
  void Publish(std::span<const Event> events) noexcept override;

  /// KeyService::Authenticate, remembered per key (failures too) for max_staleness.
  /// Expected errors: kUnauthenticated, kUnavailable (not remembered).
  Result<Caller> Authenticate(std::string_view plain_key);
  /// HookService::LockState from the cache. Expected errors: kNotFound, kUnavailable.
  Result<std::optional<Lock>> LockState(const Caller& caller, std::string_view project_id);
  /// HookService::DocsHash from the cache. Expected errors: kNotFound, kUnavailable.
  Result<DocsState> DocsHash(const Caller& caller, std::string_view project_id);
  /// DocService::Get from the cache, rendered by options.render_doc: a copy of the doc as
  /// read at most max_staleness ago. Only found docs are kept. Expected errors: kNotFound,
  /// kInvalidArgument (a name no doc can have), kUnavailable.
  Result<RenderedDoc> GetDoc(const Caller& caller, std::string_view project_id, std::string_view file_name);

  /// The same three, answered only from memory: nullopt when the answer would need the
  /// store (absent or too old), so a network thread can answer hits without ever blocking.
  std::optional<Result<Caller>> PeekAuthenticate(std::string_view plain_key);
  std::optional<Result<std::optional<Lock>>> PeekLockState(const Caller& caller, std::string_view project_id);
  std::optional<Result<DocsState>> PeekDocsHash(const Caller& caller, std::string_view project_id);
  std::optional<Result<RenderedDoc>> PeekDoc(const Caller& caller, std::string_view project_id,
                                             std::string_view file_name);

  /// The form GetDoc's bytes are in (HookCacheOptions::render_doc; null: the content).
  DocRenderer doc_renderer() const noexcept { return options_.render_doc; }

 private:
  struct State;
  /// The remembered answer for the key with SHA-256 `hash`, when younger than the bound;
  /// else nullopt, with the keys' generation in `*generation` when it is not null.
  std::optional<Result<Caller>> FreshKey(const std::string& hash, Timestamp now, std::uint64_t* generation);

  KeyService& keys_;
  HookService& hooks_;
  DocService& docs_;
  Clock& clock_;
  EventSink& next_;
  HookCacheOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace libsync
