#pragma once
// A SyncService over a freshly opened SQL store, for the SQL tests and their helper
// processes.

#include <memory>
#include <string>

#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"

namespace libsync::testing {

struct SqlServices {
  /// Opens the store; on failure returns null and sets `*error`.
  static std::unique_ptr<SqlServices> Open(const sql::SqlStoreOptions& options, std::string* error) {
    auto store = sql::OpenSqlStore(options);
    if (!store) {
      *error = store.error().ToString();
      return nullptr;
    }
    return std::unique_ptr<SqlServices>(new SqlServices(std::move(store).value()));
  }

  std::unique_ptr<Store> store;
  std::unique_ptr<SecretBox> box = MakeAesGcmSecretBox({GenerateSecretKey("k")}).value();
  SyncService sync{*store, SystemClock(), SystemRandom(), *box, NullEventSink()};
  Caller admin = Caller::Admin("lead");

 private:
  explicit SqlServices(std::unique_ptr<Store> s) : store(std::move(s)) {}
};

}  // namespace libsync::testing
