#pragma once
// An in-memory Store: the whole domain without a database, for tests and embedding.

#include <cstddef>
#include <memory>

#include "libsync/ports/store.hpp"

namespace libsync {

struct MemoryStoreOptions {
  /// Events kept per project; older ones are dropped (readers then get kGone).
  std::size_t event_retention = 10000;
};

/// Thread-safe. Write transactions are serialized by one mutex, read transactions share
/// it; a failed transaction is undone completely. Nothing survives the object.
std::unique_ptr<Store> MakeMemoryStore(MemoryStoreOptions options = {});

}  // namespace libsync
