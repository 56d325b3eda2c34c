#pragma once
// The workstation hot path served from memory: key authentication, lock state and the
// docs hash, as the hook routes ask for them many times a day per developer.
//
// Entries come from the Store and are trusted for at most `max_staleness`; the events of
// this process's own writes (lock:*, doc:*, sync:*) drop a project's entries at once, so a
// change made through this process is seen on the very next request. Changes made by
// another process sharing the database (several servers on one PostgreSQL) are seen once
// the entry ages out: that is the bound on how stale a hook answer can be. A key revoked
// or a project deleted through another process keeps answering hook routes for at most
// the same bound; through this one, the caller of the write tells the cache (ForgetKeys,
// ForgetProject). Lock expiry needs no event: a
// cached lock is checked against the clock on every read.

#include <memory>
#include <optional>
#include <string_view>

#include "libsync/caller.hpp"
#include "libsync/hook_service.hpp"
#include "libsync/ports/event_sink.hpp"
#include "libsync/sync_service.hpp"

namespace libsync {

struct HookCacheOptions {
  Duration max_staleness = std::chrono::seconds(1);
  /// Entries kept (keys and projects each); past it the oldest half is dropped.
  std::size_t max_entries = 100000;
};

/// An EventSink placed in front of the real one: construct it on the sink the services
/// should publish to, give it to the SyncService as its sink, then Bind the service.
/// Thread-safe.
class HookCache final : public EventSink {
 public:
  explicit HookCache(EventSink& next, HookCacheOptions options = {});
  ~HookCache() override;
  HookCache(const HookCache&) = delete;
  HookCache& operator=(const HookCache&) = delete;

  /// The service whose store fills the cache. Must be called before the reads below.
  void Bind(SyncService& sync);

  /// Drops the published events' projects from the cache, then forwards the events.
  void Publish(std::span<const Event> events) noexcept override;

  /// For the writes that publish no event: a key revoked (every key is re-read) or a
  /// project deleted (its entries go). Callers invoke these after such a write commits.
  void ForgetKeys();
  void ForgetProject(std::string_view project_id);

  /// KeyService::Authenticate, remembered per key (failures too) for max_staleness.
  Result<Caller> Authenticate(std::string_view plain_key);
  /// HookService::LockState from the cache.
  Result<std::optional<Lock>> LockState(const Caller& caller, std::string_view project_id);
  /// HookService::DocsHash from the cache.
  Result<DocsState> DocsHash(const Caller& caller, std::string_view project_id);

  /// The same three, answered only from memory: nullopt when the answer would need the
  /// store (absent or too old), so a network thread can answer hits without ever blocking.
  std::optional<Result<Caller>> PeekAuthenticate(std::string_view plain_key);
  std::optional<Result<std::optional<Lock>>> PeekLockState(const Caller& caller, std::string_view project_id);
  std::optional<Result<DocsState>> PeekDocsHash(const Caller& caller, std::string_view project_id);

 private:
  struct State;
  /// The remembered answer for the key with SHA-256 `hash`, when younger than the bound.
  std::optional<Result<Caller>> FreshKey(const std::string& hash, Timestamp now);
  EventSink& next_;
  HookCacheOptions options_;
  SyncService* sync_ = nullptr;
  std::unique_ptr<State> state_;
};

}  // namespace libsync
