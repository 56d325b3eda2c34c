#pragma once
// A SyncService over the memory store, a manual clock and a recording sink. The service
// reaches the store through an InterleavingStore, so a test can slip another actor's
// change between two transactions of one use case.

#include <gtest/gtest.h>

#include <memory>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/memory/manual_clock.hpp"
#include "libsync/memory/memory_store.hpp"
#include "libsync/memory/recording_event_sink.hpp"
#include "libsync/sync_service.hpp"
#include "libsync/testing/interleaving_store.hpp"

namespace libsync {

/// Prints a Status in assertion messages.
inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(MemoryStoreOptions options = {})
      : owned_store_(MakeMemoryStore(options)),
        store_(*owned_store_),
        interleaving_(store_),
        box_(MakeAesGcmSecretBox({GenerateSecretKey("k1")}).value()),
        sync_(interleaving_, clock_, SystemRandom(), *box_, sink_) {}

  void SetUp() override { project_ = CreateProject("web"); }

  ProjectView CreateProject(const std::string& name) {
    auto p = sync_.projects().Create(admin_, {.name = name, .repo_url = "https://example.com/" + name + ".git",
                                              .token = "ghp_secret"});
    EXPECT_TRUE(p.has_value()) << p.error();
    return p.value();
  }

  /// A caller holding a fresh key of `project_id` with `scope`.
  Caller KeyCaller(const std::string& project_id, KeyScope scope, const std::string& name = "laptop") {
    auto created = sync_.keys().Create(admin_, project_id, name, scope);
    EXPECT_TRUE(created.has_value()) << created.error();
    auto caller = sync_.keys().Authenticate(created->plain_key);
    EXPECT_TRUE(caller.has_value()) << caller.error();
    return caller.value();
  }

  std::unique_ptr<Store> owned_store_;
  Store& store_;
  testing::InterleavingStore interleaving_;
  ManualClock clock_;
  RecordingEventSink sink_;
  std::unique_ptr<SecretBox> box_;
  SyncService sync_;
  Caller admin_ = Caller::Admin("lead");
  ProjectView project_;
};

}  // namespace libsync
