// Checkpoints of large commits leave the committing thread: a commit that writes SQLite's
// threshold of pages by itself returns with its pages still in the WAL, and the
// checkpointer's thread copies them into the database file; smaller ones checkpoint as
// SQLite's own did, and keep the WAL small.

#include "sqlite_checkpointer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "libsync/testing/imported_doc.hpp"
#include "sql_services.hpp"
#include "temp_dir.hpp"

namespace libsync::sql {
namespace {

using namespace std::chrono_literals;

struct Db {
  explicit Db(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    Exec("PRAGMA journal_mode=WAL");
  }
  ~Db() { sqlite3_close(db); }
  void Exec(const std::string& sql) { ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql; }
  sqlite3* db = nullptr;
};

/// One transaction of `pages` pages of 4 KB rows.
void WriteRows(Db& db, int pages) {
  db.Exec("CREATE TABLE IF NOT EXISTS t (v BLOB)");
  db.Exec("BEGIN");
  for (int i = 0; i < pages; ++i) db.Exec("INSERT INTO t VALUES (zeroblob(4000))");
  db.Exec("COMMIT");
}

std::uintmax_t FileSize(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

/// Waits up to 10 s for `done`.
template <class Done>
bool Eventually(Done done) {
  for (const auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
    if (done()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done();
}

constexpr std::uintmax_t kLargeCommitBytes = 1500 * 4000;  // past SqliteCheckpointer::kPages

TEST(SqliteCheckpointer, ALargeCommitReturnsWithItsPagesInTheWalAndTheThreadCopiesThem) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/db";
  Db writer(path);
  Db own(path);
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  {
    SqliteCheckpointer checkpointer;
    checkpointer.Watch(writer.db);
    checkpointer.Start([&] {
      if (calls.fetch_add(1) == 0) {
        started.set_value();
        released.wait();
      }
      CheckpointPassively(own.db);
    });

    WriteRows(writer, 1500);
    // The commit asked for a checkpoint and did not run one itself: SQLite's own would
    // have copied the pages before the commit returned.
    ASSERT_EQ(started.get_future().wait_for(10s), std::future_status::ready) << "no checkpoint was asked for";
    EXPECT_LT(FileSize(path), kLargeCommitBytes / 2) << "the commit copied its pages itself";
    EXPECT_GE(FileSize(path + "-wal"), kLargeCommitBytes);

    release.set_value();
    EXPECT_TRUE(Eventually([&] { return FileSize(path) >= kLargeCommitBytes; }))
        << "the checkpointer's thread did not copy the pages: " << FileSize(path) << " bytes";
  }
  EXPECT_EQ(calls.load(), 1);
}

// Small commits checkpoint in the commit that takes the WAL past the line, as SQLite's own
// did, and ask the thread for nothing.
TEST(SqliteCheckpointer, SmallCommitsPastTheLineCheckpointInTheCommitAsSqliteDid) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/db";
  Db writer(path);
  const auto empty = FileSize(path);  // the header SQLite writes as it switches to WAL
  std::atomic<int> calls{0};
  SqliteCheckpointer checkpointer;
  checkpointer.Watch(writer.db);
  // Requests made before Start wait for it: none made, none run.
  for (int i = 0; i < 20; ++i) WriteRows(writer, 10);
  EXPECT_EQ(FileSize(path), empty) << "a checkpoint ran before the WAL reached the line";
  for (int i = 0; i < 100; ++i) WriteRows(writer, 10);
  EXPECT_GE(FileSize(path), std::uintmax_t{500} * 4000) << "the commit past the line did not copy the WAL";
  checkpointer.Start([&] { calls.fetch_add(1); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 0) << "commits of 10 pages asked the thread for a checkpoint";

  WriteRows(writer, 1500);
  EXPECT_TRUE(Eventually([&] { return calls.load() == 1; }));
}

// A store's commit of a first import (many docs in one transaction) leaves the copy to
// the store's thread, which copies it into the file with nobody asking.
TEST(SqliteCheckpointer, TheSqliteStoreCopiesALargeWriteIntoItsFileOnItsOwn) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/libsync.db";
  std::string error;
  auto services = testing::SqlServices::Open({.url = "sqlite://" + path}, &error);
  ASSERT_TRUE(services) << error;
  auto project = services->sync.projects().Create(services->admin, {.name = "big", .repo_url = "x"});
  ASSERT_TRUE(project.has_value()) << project.error().ToString();
  const auto before = FileSize(path);
  // 1,600 docs of 4 KB (each text stored once, in the doc's row: migration 11): 6.4 MB,
  // past SqliteCheckpointer::kPages in the one commit.
  std::vector<NewDoc> docs;
  for (int i = 0; i < 1600; ++i) {
    const std::string n = std::to_string(i);
    const std::string text(4000, static_cast<char>('a' + i % 26));
    docs.push_back(testing::ImportedDoc(project->id, "file-" + n + ".md", text, "doc-" + n, "version-" + n));
  }
  const Status written = services->store->Transact(TxMode::kWrite, [&](Transaction& tx) {
    return tx.InsertNewDocs(docs).status();
  });
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_TRUE(Eventually([&] { return FileSize(path) >= before + 6'000'000; }))
      << "no checkpoint copied the import into " << path << ": " << FileSize(path) << " bytes";
  const Status read = services->store->Transact(TxMode::kRead, [&](Transaction& tx) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(Doc last, tx.GetDoc(project->id, "file-1599.md"));
    EXPECT_EQ(last.content, docs.back().doc.content);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
}

// A checkpoint racing a stream of commits to the end would rarely copy the last page, and
// the WAL, never started again from its beginning, would grow with everything written.
TEST(SqliteCheckpointer, TheWalOfAStoreTakingSmallWritesWithoutPauseStaysSmall) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/libsync.db";
  std::string error;
  auto services = testing::SqlServices::Open({.url = "sqlite://" + path, .sqlite_synchronous_full = false}, &error);
  ASSERT_TRUE(services) << error;
  auto project = services->sync.projects().Create(services->admin, {.name = "many", .repo_url = "x"});
  ASSERT_TRUE(project.has_value()) << project.error().ToString();
  const std::string text(8000, 'y');
  std::uintmax_t largest_wal = 0;
  for (int i = 0; i < 6000; ++i) {
    ASSERT_TRUE(services->sync.docs().Put(services->admin, project->id, "doc-" + std::to_string(i) + ".md", text))
        << i;
    largest_wal = std::max(largest_wal, FileSize(path + "-wal"));
  }
  // About 100 MB reach the database file (each text twice). The WAL holds what is
  // written while the thread copies (17-22 MB here), not everything written.
  EXPECT_LT(largest_wal, std::uintmax_t{40} << 20) << "the WAL kept growing";
  EXPECT_GE(FileSize(path), std::uintmax_t{90} << 20) << "the writes did not reach the database file";
}

}  // namespace
}  // namespace libsync::sql
