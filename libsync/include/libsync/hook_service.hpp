#pragma once
// HookService: what workstations ask before a coding session (locked? changed? give me
// everything), and who pulled which docs hash.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/caller.hpp"
#include "libsync/service_context.hpp"

namespace libsync {

struct DocsState {
  std::string hash;  ///< the project docs hash of docs/semantics.md
  std::size_t count = 0;
};

struct DocsSnapshot {
  std::vector<Doc> docs;  ///< ordered by fileName
  std::string hash;       ///< the same hash DocsHash returns for these docs
};

/// A workstation key and whether its last pull is the current docs hash.
struct Consumer {
  ApiKey key;
  bool current = false;
};

/// What workstations ask before a coding session: locked? changed? give me everything.
/// Thread-safe.
class HookService {
 public:
  explicit HookService(const ServiceContext& ctx) : ctx_(ctx) {}

  /// The live lock or nullopt. Expected errors: kNotFound.
  Result<std::optional<Lock>> LockState(const Caller& caller, std::string_view project_id);
  /// Expected errors: kNotFound. Like Pull, it leaves out docs whose names no
  /// workstation may write (see UnservableDocNames).
  Result<DocsState> DocsHash(const Caller& caller, std::string_view project_id);
  /// Every doc and their hash, read in one snapshot; a key's pull is recorded on the key
  /// (lastPulledHash, lastPulledAt). Expected errors: kNotFound.
  Result<DocsSnapshot> Pull(const Caller& caller, std::string_view project_id);
  /// Admin only: the docs that hooks never serve because their names break the
  /// workstation rules of ValidateFileName (stored before those rules existed); they stay
  /// readable and removable through DocService. Expected errors: kPermissionDenied, kNotFound.
  Result<std::vector<std::string>> UnservableDocNames(const Caller& caller, std::string_view project_id);
  /// Admin only: each key of the project with its last pull.
  /// Expected errors: kPermissionDenied, kNotFound.
  Result<std::vector<Consumer>> Consumers(const Caller& caller, std::string_view project_id);

 private:
  const ServiceContext& ctx_;
};

}  // namespace libsync
