// The Store conformance suite on SQLite (a temp file per test; shared, and held
// exclusively by this process) and PostgreSQL (a fresh database per test in a throwaway
// cluster).

#include <filesystem>

#include "libsync/sql/sql_store.hpp"
#include "libsync/testing/store_contract.hpp"
#include "postgres_cluster.hpp"
#include "temp_dir.hpp"

namespace libsync::testing {
namespace {

std::unique_ptr<Store> OpenOrFail(const std::string& url, bool sqlite_exclusive = false) {
  auto store = sql::OpenSqlStore({.url = url, .sqlite_exclusive = sqlite_exclusive});
  if (!store) {
    ADD_FAILURE() << "open " << url << ": " << store.error().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> TempSqliteStore() {
  static TempDir dir;
  static int n = 0;
  return OpenOrFail("sqlite://" + dir.path() + "/contract-" + std::to_string(n++) + ".db");
}

std::unique_ptr<Store> TempExclusiveSqliteStore() {
  static TempDir dir;
  static int n = 0;
  return OpenOrFail("sqlite://" + dir.path() + "/contract-" + std::to_string(n++) + ".db", true);
}

std::unique_ptr<Store> TempPostgresStore() {
  PostgresCluster* cluster = PostgresCluster::Get();
  if (!cluster) {
    if (PostgresRequired()) ADD_FAILURE() << "PostgreSQL is required in CI: " << PostgresCluster::Unavailable();
    return nullptr;
  }
  return OpenOrFail(cluster->NewDatabase());
}

INSTANTIATE_TEST_SUITE_P(Sql, StoreContract,
                         ::testing::Values(StoreFactory{"sqlite", TempSqliteStore},
                                           StoreFactory{"sqlite_exclusive", TempExclusiveSqliteStore},
                                           StoreFactory{"postgresql", TempPostgresStore}),
                         StoreFactoryName);

}  // namespace
}  // namespace libsync::testing
