#pragma once
// The Store conformance suite: one set of behaviour tests that every Store must pass.
//
// An adapter instantiates it with a factory that returns a fresh, empty store:
// @code
// INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract,
//     ::testing::Values(StoreFactory{"sqlite", [] { return OpenTempSqliteStore(); }}),
//     StoreFactoryName);
// @endcode

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "libsync/ports/store.hpp"

namespace libsync::testing {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>()> make;
};

/// Shown in test output instead of the object's bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

/// Test-name generator for INSTANTIATE_TEST_SUITE_P.
std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

class StoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override { store_.reset(); }

  /// Runs `work` in a write (or read) transaction and returns its status.
  Status Write(const Store::Work& work) { return store_->Transact(TxMode::kWrite, work); }
  Status Read(const Store::Work& work) { return store_->Transact(TxMode::kRead, work); }

  /// Inserts and returns a project named `name` created at `created_ms`.
  Project AddProject(const std::string& name, std::int64_t created_ms = 1000);
  /// Inserts and returns a doc of `project_id` at version 1.
  Doc AddDoc(const std::string& project_id, const std::string& file_name,
             const std::string& content);

  std::unique_ptr<Store> store_;
  int next_id_ = 0;
};

}  // namespace libsync::testing
