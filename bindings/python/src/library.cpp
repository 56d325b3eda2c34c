#include "library.hpp"

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/sql/sql_store.hpp"

namespace libsync::python {

Result<std::shared_ptr<Library>> Library::Open(const LibraryOptions& options) {
  auto library = std::make_shared<Library>();
  if (options.database == "memory") {
    library->store_ = MakeMemoryStore();
  } else {
    LIBSYNC_ASSIGN_OR_RETURN(library->store_, sql::OpenSqlStore({.url = options.database}));
  }
  std::vector<SecretKey> keys;
  if (options.encryption_key.empty()) {
    keys.push_back(GenerateSecretKey("python"));
  } else {
    LIBSYNC_ASSIGN_OR_RETURN(keys, ParseSecretKeys(options.encryption_key));
  }
  LIBSYNC_ASSIGN_OR_RETURN(library->box_, MakeAesGcmSecretBox(std::move(keys)));
  ServiceOptions service_options;
  if (options.lock_ttl_seconds < 1) return Status::InvalidArgument("lock_ttl_seconds must be positive");
  service_options.default_lock_ttl = std::chrono::seconds(options.lock_ttl_seconds);
  service_options.max_lock_ttl = std::max(service_options.max_lock_ttl, service_options.default_lock_ttl);
  // The hook cache checks the keys of as_key() sessions on every call, from memory; the
  // services' own events (a revocation, a deletion) drop what they make stale.
  library->sync_ = std::make_unique<SyncService>(*library->store_, SystemClock(), SystemRandom(), *library->box_,
                                                 NullEventSink(), service_options,
                                                 EventPathOptions{.hook_cache = HookCacheOptions{}});
  if (!options.git_cache_dir.empty()) {
    LIBSYNC_ASSIGN_OR_RETURN(library->remote_, git::MakeGit2Remote({.cache_dir = options.git_cache_dir}));
    library->git_ = std::make_unique<GitSyncService>(library->sync_->context(), *library->remote_,
                                                     GitSyncOptions{.allow_local_remotes = options.git_allow_local});
  }
  return library;
}

Result<GitSyncService*> Library::git() {
  if (!git_) return Status::InvalidArgument("git sync needs the library opened with git_cache_dir");
  return git_.get();
}

}  // namespace libsync::python
