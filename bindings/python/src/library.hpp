#pragma once
// What the Python module wraps: one store, its sealing key, the services and (optionally)
// git sync, owned together so Python objects can share them by reference count. Free of
// pybind11, so the wiring is plain C++.

#include <memory>
#include <optional>
#include <string>

#include "libsync/git_sync_service.hpp"
#include "libsync/ports/git_remote.hpp"
#include "libsync/ports/secret_box.hpp"
#include "libsync/ports/store.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::python {

struct LibraryOptions {
  std::string database = "memory";  // "memory", "sqlite:///path.db" or "postgresql://..."
  std::string encryption_key;       // FormatSecretKey text; empty: a fresh key per process
  std::string git_cache_dir;        // empty: git sync unavailable
  bool git_allow_local = false;     // GitSyncOptions::allow_local_remotes
  int lock_ttl_seconds = 1800;
};

class Library {
 public:
  /// Opens the store (migrating SQL databases) and wires the services.
  static Result<std::shared_ptr<Library>> Open(const LibraryOptions& options);

  SyncService& sync() { return *sync_; }
  /// Fails with kInvalidArgument when the library was opened without a git cache dir.
  Result<GitSyncService*> git();
  std::string_view store_kind() const { return store_->Kind(); }

 private:
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretBox> box_;
  std::unique_ptr<GitRemote> remote_;
  std::unique_ptr<SyncService> sync_;
  std::unique_ptr<GitSyncService> git_;
};

}  // namespace libsync::python
