// Values a store is handed are stored as they are: quotes, backslashes, control
// characters, bidi overrides, astral characters and long values in every string column
// read back byte-identical; a value a database cannot hold at all (PostgreSQL text with a
// NUL byte) is refused whole, with kInvalidArgument, and nothing of it is stored -- never
// cut short, never an internal error. Run on the memory store, SQLite and PostgreSQL.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "libsync/memory/memory_store.hpp"
#include "libsync/ports/store.hpp"
#include "libsync/sql/sql_store.hpp"
#include "postgres_cluster.hpp"
#include "temp_dir.hpp"

namespace libsync::testing {
namespace {

using namespace std::string_literals;

struct HostileStore {
  std::string name;
  std::function<std::unique_ptr<Store>()> make;
  bool holds_nul = true;  ///< false: a NUL byte is refused with kInvalidArgument
};

void PrintTo(const HostileStore& store, std::ostream* os) { *os << store.name; }

std::unique_ptr<Store> OpenSql(const std::string& url) {
  auto store = sql::OpenSqlStore({.url = url});
  if (!store) {
    ADD_FAILURE() << "open " << url << ": " << store.error().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> TempSqlite() {
  static TempDir dir;
  static int n = 0;
  return OpenSql("sqlite://" + dir.path() + "/hostile-" + std::to_string(n++) + ".db");
}

std::unique_ptr<Store> TempPostgres() {
  PostgresCluster* cluster = PostgresCluster::Get();
  if (!cluster) {
    if (PostgresRequired()) ADD_FAILURE() << "PostgreSQL is required in CI: " << PostgresCluster::Unavailable();
    return nullptr;
  }
  return OpenSql(cluster->NewDatabase());
}

struct Hostile {
  const char* label;
  std::string value;
};

std::vector<Hostile> HostileValues() {
  const std::string mix = "it's \"q\" \\ \\' \x01\x1b\x7f \xE2\x80\xAE" "dlrow \xF0\x9F\x98\x80 ";
  std::string long_value;
  while (long_value.size() < 4096) long_value += mix;
  long_value.resize(4096);
  return {
      {"nul", "before\0after"s},
      {"quotes", R"(it's "quoted" '' "" ')"},
      {"backslashes", R"(C:\path\to\ \' \" \\ \x00 \0)"},
      {"control", "\x01\x02\x07\b\t\n\v\f\r\x1b\x1f\x7f"},
      {"bidi", "file\xE2\x80\xAEtxt.md \xE2\x80\xAD\xE2\x80\xAC"},
      {"astral", "\xF0\x9F\x98\x80 \xF0\x9D\x84\x9E"},
      {"sql", R"('); DROP TABLE "Doc"; -- $1 :name ? %s)"},
      {"4 KB", long_value},
  };
}

/// The bytes, escaped, for a readable failure message.
std::string Bytes(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s.substr(0, 80)) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out << c;
    } else {
      out << "\\x" << "0123456789abcdef"[c >> 4] << "0123456789abcdef"[c & 0xF];
    }
  }
  if (s.size() > 80) out << "... (" << s.size() << " bytes)";
  return out.str();
}

#define EXPECT_SAME_BYTES(actual, expected, column) \
  EXPECT_TRUE((actual) == (expected)) << (column) << ": stored " << Bytes(expected) << ", read " << Bytes(actual)

class HostileValuesTest : public ::testing::TestWithParam<HostileStore> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    if (!store_) GTEST_SKIP() << "store unavailable";
  }

  /// Every string column of every table, holding `v` (ids are the test's own).
  Status WriteAll(const std::string& n, const std::string& v) {
    return store_->Transact(TxMode::kWrite, [&](Transaction& tx) -> Status {
      Project p;
      p.id = "p" + n;
      p.name = p.repo_url = p.token = p.branch = p.docs_path = p.last_synced_commit = v;
      p.created_at = p.updated_at = at_;
      LIBSYNC_RETURN_IF_ERROR(tx.InsertProject(p));
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
      Doc d;
      d.id = "d" + n;
      d.project_id = p.id;
      d.file_name = d.content = d.base_blob_oid = d.updated_by = v;
      d.hash = "h" + n;
      d.created_at = d.updated_at = at_;
      LIBSYNC_RETURN_IF_ERROR(tx.InsertDoc(d));
      DocVersion dv{"v" + n, d.id, p.id, v, 1, v, "h" + n, v, VersionSource::kApi, at_};
      LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(dv));
      Lock l;
      l.id = "l" + n;
      l.project_id = p.id;
      l.locked_by = l.reason = l.token_hash = v;
      l.locked_at = at_;
      l.expires_at = at_ + std::chrono::hours(1);
      LIBSYNC_ASSIGN_OR_RETURN(l.fence, tx.NextFence(p.id));
      LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
      ApiKey k;
      k.id = "k" + n;
      k.project_id = p.id;
      k.key_hash = "kh" + n;
      k.name = k.prefix = k.last_pulled_hash = v;
      k.created_at = at_;
      LIBSYNC_RETURN_IF_ERROR(tx.InsertApiKey(k));
      return tx.AppendEvent(p.id, "doc:updated", v, at_).status();
    });
  }

  /// The mutable columns rewritten with `v` (updates, and the lock's replace path).
  Status UpdateAll(const std::string& n, const std::string& v) {
    return store_->Transact(TxMode::kWrite, [&](Transaction& tx) -> Status {
      LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject("p" + n));
      p.name = p.repo_url = p.token = p.branch = p.docs_path = p.last_synced_commit = v;
      LIBSYNC_RETURN_IF_ERROR(tx.UpdateProject(p));
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
      LIBSYNC_ASSIGN_OR_RETURN(auto docs, tx.ListDocs(p.id));
      Doc d = docs.at(0);
      d.content = d.base_blob_oid = d.updated_by = v;
      d.version = 2;
      LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(d, 1));
      LIBSYNC_ASSIGN_OR_RETURN(auto lock, tx.GetLock(p.id));
      Lock l = lock.value();
      l.locked_by = l.reason = v;
      LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
      LIBSYNC_ASSIGN_OR_RETURN(ApiKey k, tx.GetApiKey("k" + n));
      k.name = k.last_pulled_hash = v;
      return tx.UpdateApiKey(k);
    });
  }

  void ExpectStored(const std::string& n, const std::string& v, const std::string& updated) {
    const Status read = store_->Transact(TxMode::kRead, [&](Transaction& tx) -> Status {
      LIBSYNC_ASSIGN_OR_RETURN(Project p, tx.GetProject("p" + n));
      for (const std::string* column : {&p.name, &p.repo_url, &p.token, &p.branch, &p.docs_path,
                                        &p.last_synced_commit}) {
        EXPECT_SAME_BYTES(*column, updated, "Project");
      }
      LIBSYNC_ASSIGN_OR_RETURN(Doc d, tx.GetDoc(p.id, v));  // found by the hostile name itself
      EXPECT_SAME_BYTES(d.file_name, v, "Doc.fileName");
      EXPECT_SAME_BYTES(d.content, updated, "Doc.content");
      EXPECT_SAME_BYTES(d.base_blob_oid, updated, "Doc.baseBlobOid");
      EXPECT_SAME_BYTES(d.updated_by, updated, "Doc.updatedBy");
      LIBSYNC_ASSIGN_OR_RETURN(auto docs, tx.ListDocSummaries(p.id));
      EXPECT_EQ(docs.size(), 1u);
      if (!docs.empty()) {
        EXPECT_SAME_BYTES(docs[0].file_name, v, "DocSummary.fileName");
      }
      LIBSYNC_ASSIGN_OR_RETURN(DocVersion dv, tx.GetDocVersion(d.id, 1));
      EXPECT_SAME_BYTES(dv.file_name, v, "DocVersion.fileName");
      EXPECT_SAME_BYTES(dv.content, v, "DocVersion.content");
      EXPECT_SAME_BYTES(dv.author, v, "DocVersion.author");
      LIBSYNC_ASSIGN_OR_RETURN(auto lock, tx.GetLock(p.id));
      EXPECT_TRUE(lock.has_value());
      if (lock) {
        EXPECT_SAME_BYTES(lock->locked_by, updated, "Lock.lockedBy");
        EXPECT_SAME_BYTES(lock->reason, updated, "Lock.reason");
        EXPECT_SAME_BYTES(lock->token_hash, v, "Lock.tokenHash");
      }
      LIBSYNC_ASSIGN_OR_RETURN(ApiKey k, tx.GetApiKey("k" + n));
      EXPECT_SAME_BYTES(k.name, updated, "ApiKey.name");
      EXPECT_SAME_BYTES(k.prefix, v, "ApiKey.prefix");
      EXPECT_SAME_BYTES(k.last_pulled_hash, updated, "ApiKey.lastPulledHash");
      LIBSYNC_ASSIGN_OR_RETURN(EventPage page, tx.ReadEvents(p.id, 0, 10));
      EXPECT_EQ(page.events.size(), 1u);
      if (!page.events.empty()) {
        EXPECT_SAME_BYTES(page.events[0].payload, v, "Event.payload");
      }
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.ToString();
  }

  void ExpectNothingStored(const std::string& n) {
    const Status read = store_->Transact(TxMode::kRead, [&](Transaction& tx) -> Status {
      EXPECT_EQ(tx.GetProject("p" + n).status().code(), ErrorCode::kNotFound);
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.ToString();
  }

  std::unique_ptr<Store> store_;
  Timestamp at_{std::chrono::milliseconds(1767225600123)};
};

TEST_P(HostileValuesTest, EveryStringColumnReadsBackByteIdenticalOrIsRefusedWhole) {
  int i = 0;
  for (const Hostile& h : HostileValues()) {
    SCOPED_TRACE(h.label);
    const std::string n = std::to_string(i++);
    const bool refused = !GetParam().holds_nul && h.value.find('\0') != std::string::npos;
    const Status written = WriteAll(n, h.value);
    if (refused) {
      EXPECT_EQ(written.code(), ErrorCode::kInvalidArgument) << written.ToString();
      ExpectNothingStored(n);
      continue;
    }
    ASSERT_TRUE(written.ok()) << written.ToString();
    ExpectStored(n, h.value, h.value);
    // The update paths too, with a different value of the same kind.
    const std::string updated = h.value + "\xE2\x80\xAE~";
    const Status rewritten = UpdateAll(n, updated);
    ASSERT_TRUE(rewritten.ok()) << rewritten.ToString();
    ExpectStored(n, h.value, updated);
  }
}

// A refused value leaves the transaction's other writes unapplied, and the store serving.
TEST_P(HostileValuesTest, ARefusedValueChangesNothingAndTheStoreKeepsServing) {
  if (GetParam().holds_nul) GTEST_SKIP() << "this store holds every byte";
  ASSERT_TRUE(WriteAll("ok", "fine").ok());
  const Status refused = store_->Transact(TxMode::kWrite, [&](Transaction& tx) -> Status {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject("pok"));
    LIBSYNC_ASSIGN_OR_RETURN(auto lock, tx.GetLock("pok"));
    Lock l = lock.value();
    l.locked_by = "changed";
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
    l.reason = "cut\0here"s;
    return tx.PutLock(l);
  });
  EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument) << refused.ToString();
  const Status read = store_->Transact(TxMode::kRead, [&](Transaction& tx) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(auto lock, tx.GetLock("pok"));
    EXPECT_EQ(lock.value().locked_by, "fine");
    EXPECT_EQ(lock.value().reason, "fine");
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
}

INSTANTIATE_TEST_SUITE_P(Stores, HostileValuesTest,
                         ::testing::Values(HostileStore{"memory", [] { return MakeMemoryStore(); }},
                                           HostileStore{"sqlite", TempSqlite},
                                           HostileStore{"postgresql", TempPostgres, false}),
                         [](const ::testing::TestParamInfo<HostileStore>& param) { return param.param.name; });

}  // namespace
}  // namespace libsync::testing
