#include "libsync/testing/store_contract.hpp"

#include <atomic>
#include <set>
#include <thread>

#include "libsync/hashing.hpp"
#include "libsync/testing/imported_doc.hpp"

namespace libsync::testing {
namespace {

Timestamp At(std::int64_t ms) { return Timestamp(std::chrono::milliseconds(ms)); }

// Reads inside a read transaction and hands the value out.
template <class T, class Fn>
Result<T> ReadValue(Store& store, Fn&& fn) {
  std::optional<Result<T>> out;
  Status s = store.Transact(TxMode::kRead, [&](Transaction& tx) {
    out.emplace(fn(tx));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

}  // namespace

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void StoreContract::SetUp() {
  store_ = GetParam().make();
  // A factory that cannot provide its store has already reported a failure if it must.
  if (!store_) GTEST_SKIP() << GetParam().name << " store is not available here";
}

Project StoreContract::AddProject(const std::string& name, std::int64_t created_ms) {
  Project p;
  p.id = "p-" + name + "-" + std::to_string(next_id_++);
  p.name = name;
  p.repo_url = "https://example.com/" + name + ".git";
  p.token = "v1:k1:c2VhbGVk";
  p.created_at = p.updated_at = At(created_ms);
  EXPECT_TRUE(Write([&](Transaction& tx) { return tx.InsertProject(p); }).ok());
  return p;
}

Doc StoreContract::AddDoc(const std::string& project_id, const std::string& file_name,
                          const std::string& content) {
  Doc d;
  d.id = "d-" + std::to_string(next_id_++);
  d.project_id = project_id;
  d.file_name = file_name;
  d.content = content;
  d.hash = Sha256Hex(content);
  d.version = 1;
  d.created_at = d.updated_at = At(2000);
  d.updated_by = "alice";
  EXPECT_TRUE(Write([&](Transaction& tx) { return tx.InsertDoc(d); }).ok());
  return d;
}

TEST_P(StoreContract, ProjectRoundTripsEveryColumn) {
  Project p = AddProject("web", 1234);
  auto got = ReadValue<Project>(*store_, [&](Transaction& tx) { return tx.GetProject(p.id); });
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(got->name, "web");
  EXPECT_EQ(got->repo_url, p.repo_url);
  EXPECT_EQ(got->token, p.token);
  EXPECT_EQ(got->branch, "main");
  EXPECT_EQ(got->docs_path, "docs");
  EXPECT_EQ(got->created_at, At(1234));
  EXPECT_EQ(got->last_synced_commit, "");
  EXPECT_FALSE(got->synced_at.has_value());
  EXPECT_EQ(got->webhook_secret, "");
  EXPECT_FALSE(got->last_import.at.has_value());
  EXPECT_EQ(got->last_import.result, "");
  EXPECT_FALSE(got->last_sync_error_at.has_value());
  EXPECT_EQ(got->clean_sync_mark, "");
  EXPECT_EQ(got->repo_url_secret, "");

  p.name = "web2";
  p.last_synced_commit = "abc123";
  p.synced_at = At(5555);
  p.updated_at = At(6666);
  p.webhook_secret = "v1:k1:c2VjcmV0";
  p.last_import = {At(7001), "c1", "conflicts"};
  p.last_export = {At(7002), "", "failed"};
  p.last_sync_error = "the git remote stopped answering";
  p.last_sync_error_at = At(7003);
  p.clean_sync_mark = "c0ffee 0123456789abcdef";
  p.repo_url = "https://ci:***@example.com/web.git";
  p.repo_url_secret = "v1:k1:cGFzc3dvcmQ=";
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateProject(p); }).ok());
  got = ReadValue<Project>(*store_, [&](Transaction& tx) { return tx.GetProject(p.id); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->name, "web2");
  EXPECT_EQ(got->last_synced_commit, "abc123");
  EXPECT_EQ(got->synced_at, At(5555));
  EXPECT_EQ(got->updated_at, At(6666));
  EXPECT_EQ(got->webhook_secret, "v1:k1:c2VjcmV0");
  EXPECT_EQ(got->last_import.at, At(7001));
  EXPECT_EQ(got->last_import.commit, "c1");
  EXPECT_EQ(got->last_import.result, "conflicts");
  EXPECT_EQ(got->last_export.at, At(7002));
  EXPECT_EQ(got->last_export.commit, "");
  EXPECT_EQ(got->last_export.result, "failed");
  EXPECT_EQ(got->last_sync_error, "the git remote stopped answering");
  EXPECT_EQ(got->last_sync_error_at, At(7003));
  EXPECT_EQ(got->clean_sync_mark, "c0ffee 0123456789abcdef");
  EXPECT_EQ(got->repo_url, "https://ci:***@example.com/web.git");
  EXPECT_EQ(got->repo_url_secret, "v1:k1:cGFzc3dvcmQ=");
  p.clean_sync_mark.clear();
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateProject(p); }).ok());
  got = ReadValue<Project>(*store_, [&](Transaction& tx) { return tx.GetProject(p.id); });
  EXPECT_EQ(got->clean_sync_mark, "") << "cleared as it is set";
}

TEST_P(StoreContract, OnePollingLeaseIsLiveAtATimeAndPassesOnWhenItLapses) {
  Project p = AddProject("web");
  const auto claim = [&](const std::string& holder, std::int64_t now, std::int64_t until, std::int64_t next) {
    bool held = false;
    Status s = Write([&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(held, tx.ClaimPoll(p.id, holder, At(now), At(until), At(next)));
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return held;
  };
  const auto next_poll = [&] {
    return ReadValue<Project>(*store_, [&](Transaction& tx) { return tx.GetProject(p.id); })->next_poll_at;
  };
  EXPECT_FALSE(next_poll().has_value());
  EXPECT_TRUE(claim("server-a", 1000, 5000, 2000));
  EXPECT_EQ(next_poll(), At(2000));
  EXPECT_FALSE(claim("server-b", 1500, 5500, 2500)) << "a's lease is live";
  EXPECT_EQ(next_poll(), At(2000)) << "a refused claim changes nothing";
  EXPECT_TRUE(claim("server-a", 2000, 6000, 3000)) << "the holder renews";
  // UpdateProject leaves the poll schedule alone.
  Project renamed = p;
  renamed.name = "web2";
  renamed.sync_interval_seconds = 60;
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateProject(renamed); }).ok());
  EXPECT_EQ(next_poll(), At(3000));
  EXPECT_EQ(ReadValue<Project>(*store_, [&](Transaction& tx) { return tx.GetProject(p.id); })->sync_interval_seconds,
            60);
  EXPECT_TRUE(claim("server-b", 6000, 9000, 7000)) << "a lapsed lease passes on";
  EXPECT_FALSE(claim("server-a", 6001, 9001, 7001));
  EXPECT_EQ(next_poll(), At(7000));

  // Claimants racing for a lapsed lease: exactly one wins.
  constexpr int kThreads = 4;
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      bool held = false;
      Status s = Write([&](Transaction& tx) {
        LIBSYNC_ASSIGN_OR_RETURN(held, tx.ClaimPoll(p.id, "racer-" + std::to_string(t), At(20000), At(30000),
                                                    At(21000)));
        return Status::Ok();
      });
      if (s.ok() && held) ++winners;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(winners.load(), 1);

  bool ignored = false;
  EXPECT_EQ(Write([&](Transaction& tx) {
              LIBSYNC_ASSIGN_OR_RETURN(ignored, tx.ClaimPoll("nope", "a", At(1), At(2), At(3)));
              return Status::Ok();
            }).code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreContract, MissingProjectIsNotFound) {
  auto got = ReadValue<Project>(*store_, [](Transaction& tx) { return tx.GetProject("nope"); });
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
  Status s = Write([](Transaction& tx) { return tx.LockProject("nope"); });
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  Project ghost;
  ghost.id = "ghost";
  s = Write([&](Transaction& tx) { return tx.UpdateProject(ghost); });
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  s = Write([](Transaction& tx) { return tx.DeleteProject("ghost"); });
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
}

// Every project-scoped read, and AppendEvent, tells a missing project apart from an empty
// one: the use cases answer 404 from it.
TEST_P(StoreContract, ProjectScopedCallsOnAMissingProjectAreNotFound) {
  auto code = [&](auto call) {
    ErrorCode out = ErrorCode::kInternal;
    (void)Write([&](Transaction& tx) -> Status {
      Status s = call(tx);
      out = s.code();
      return s;
    });
    return out;
  };
  EXPECT_EQ(code([](Transaction& tx) { return tx.ListDocs("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.ListDocSummaries("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.ListTombstones("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.TakeTombstone("nope", "a.md").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.PutTombstone({"nope", "a.md", "b", {}, ""}); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.ListConflicts("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.TakeConflict("nope", "a.md").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.ClearConflicts("nope"); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) {
              return tx.PutConflict({"nope", "a.md", "r", "c", "", "", std::nullopt, std::nullopt, {}});
            }),
            ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.GetDoc("nope", "a.md").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.GetLock("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.NextFence("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.ListApiKeys("nope").status(); }), ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.AppendEvent("nope", "doc:updated", "{}", At(1)).status(); }),
            ErrorCode::kNotFound);
  EXPECT_EQ(code([](Transaction& tx) { return tx.ReadEvents("nope", 0, 10).status(); }), ErrorCode::kNotFound);
}

// project:deleted is appended in the transaction that deletes its project: the append
// succeeds and commits with the deletion, and the log goes with the project.
TEST_P(StoreContract, AnEventAppendedBeforeItsProjectsDeletionCommitsWithIt) {
  Project p = AddProject("web");
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.AppendEvent(p.id, "doc:updated", "{}", At(1)).status(); }).ok());
  std::int64_t seq = 0;
  ASSERT_TRUE(Write([&](Transaction& tx) -> Status {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
    LIBSYNC_ASSIGN_OR_RETURN(seq, tx.AppendEvent(p.id, "project:deleted", "{\"deletedBy\":\"admin\"}", At(2)));
    return tx.DeleteProject(p.id);
  }).ok());
  EXPECT_EQ(seq, 2);
  EXPECT_EQ(ReadValue<Project>(*store_, [&](Transaction& tx) { return tx.GetProject(p.id); }).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(p.id, 0, 10); }).error().code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreContract, DuplicateProjectIdIsRefused) {
  Project p = AddProject("web");
  Status s = Write([&](Transaction& tx) { return tx.InsertProject(p); });
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
}

TEST_P(StoreContract, ProjectsAreListedByCreationTime) {
  AddProject("second", 2000);
  AddProject("first", 1000);
  auto list = ReadValue<std::vector<Project>>(*store_, [](Transaction& tx) { return tx.ListProjects(); });
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "first");
  EXPECT_EQ((*list)[1].name, "second");
}

TEST_P(StoreContract, DocsAreListedInBytewiseFileNameOrder) {
  Project p = AddProject("web");
  AddDoc(p.id, "b.md", "b");
  AddDoc(p.id, "B.md", "B");
  AddDoc(p.id, "guides/style.md", "g");
  AddDoc(p.id, "a.md", "a");
  auto docs = ReadValue<std::vector<Doc>>(*store_, [&](Transaction& tx) { return tx.ListDocs(p.id); });
  ASSERT_TRUE(docs.has_value());
  std::vector<std::string> names;
  for (const auto& d : *docs) names.push_back(d.file_name);
  EXPECT_EQ(names, (std::vector<std::string>{"B.md", "a.md", "b.md", "guides/style.md"}));
  auto summaries = ReadValue<std::vector<DocSummary>>(
      *store_, [&](Transaction& tx) { return tx.ListDocSummaries(p.id); });
  ASSERT_TRUE(summaries.has_value());
  ASSERT_EQ(summaries->size(), 4u);
  EXPECT_EQ((*summaries)[0].file_name, "B.md");
  EXPECT_EQ((*summaries)[0].hash, Sha256Hex("B"));
}

TEST_P(StoreContract, DocRoundTripsUnicodeContent) {
  Project p = AddProject("web");
  const std::string text = "# Überblick\n\nemoji 🚀, tabs\tand \"quotes\" and 'ticks' \\ ";
  Doc d = AddDoc(p.id, "überblick.md", text);
  auto got = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "überblick.md"); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->id, d.id);
  EXPECT_EQ(got->content, text);
  EXPECT_EQ(got->hash, Sha256Hex(text));
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->updated_by, "alice");
  EXPECT_EQ(got->updated_at, At(2000));
}

TEST_P(StoreContract, DocsAndVersionsKeepTheirBlobIds) {
  Project p = AddProject("web");
  Doc d;
  d.id = "d-blob";
  d.project_id = p.id;
  d.file_name = "a.md";
  d.content = "one";
  d.hash = Sha256Hex("one");
  d.base_blob_oid = GitBlobId("zero");
  d.blob_oid = GitBlobId("one");
  d.created_at = d.updated_at = At(2000);
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertDoc(d); }).ok());
  auto got = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "a.md"); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->blob_oid, GitBlobId("one"));
  auto summaries = ReadValue<std::vector<DocSummary>>(*store_, [&](Transaction& tx) { return tx.ListDocSummaries(p.id); });
  ASSERT_EQ(summaries->size(), 1u);
  EXPECT_EQ(summaries->front().blob_oid, GitBlobId("one"));
  EXPECT_EQ(summaries->front().base_blob_oid, GitBlobId("zero"));

  Doc next = d;
  next.content = "two";
  next.hash = Sha256Hex("two");
  next.blob_oid = GitBlobId("two");
  next.version = 2;
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateDoc(next, 1); }).ok());
  summaries = ReadValue<std::vector<DocSummary>>(*store_, [&](Transaction& tx) { return tx.ListDocSummaries(p.id); });
  EXPECT_EQ(summaries->front().blob_oid, GitBlobId("two"));

  DocVersion v{"v-blob", d.id, p.id, "a.md", 2, "two", next.hash, "bob", VersionSource::kApi, At(3000),
               GitBlobId("two")};
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertDocVersion(v); }).ok());
  auto one = ReadValue<DocVersion>(*store_, [&](Transaction& tx) { return tx.GetDocVersion(d.id, 2); });
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->blob_oid, GitBlobId("two"));
  auto listed = ReadValue<std::vector<DocVersion>>(*store_, [&](Transaction& tx) { return tx.ListDocVersions(d.id); });
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().blob_oid, GitBlobId("two")) << "listings leave out the content, not the blob id";
}

TEST_P(StoreContract, DocsToExportAreThoseWhoseBlobIsNotTheirBaseInNameOrder) {
  Project p = AddProject("web");
  Project other = AddProject("other");
  const auto put = [&](const std::string& project_id, const std::string& name, const std::string& base,
                       const std::string& blob) {
    Doc d;
    d.id = "d-" + std::to_string(next_id_++);
    d.project_id = project_id;
    d.file_name = name;
    d.content = name;
    d.hash = Sha256Hex(name);
    d.base_blob_oid = base;
    d.blob_oid = blob;
    d.created_at = d.updated_at = At(2000);
    EXPECT_TRUE(Write([&](Transaction& tx) { return tx.InsertDoc(d); }).ok());
    return d;
  };
  const std::string one = GitBlobId("one"), two = GitBlobId("two");
  put(p.id, "synced.md", one, one);
  Doc edited = put(p.id, "z-edited.md", one, two);
  put(p.id, "B-new.md", "", two);            // never synced
  put(p.id, "a-old-row.md", one, "");        // written before blob ids were kept
  put(p.id, "guides/synced.md", two, two);
  put(other.id, "edited-elsewhere.md", one, two);
  const auto names = [&] {
    std::vector<std::string> out;
    auto docs = ReadValue<std::vector<Doc>>(*store_, [&](Transaction& tx) { return tx.ListDocsToExport(p.id); });
    EXPECT_TRUE(docs.has_value()) << docs.error().ToString();
    if (!docs) return out;
    for (const Doc& d : *docs) out.push_back(d.file_name);
    return out;
  };
  EXPECT_EQ(names(), (std::vector<std::string>{"B-new.md", "a-old-row.md", "z-edited.md"}));
  auto docs = ReadValue<std::vector<Doc>>(*store_, [&](Transaction& tx) { return tx.ListDocsToExport(p.id); });
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ(docs->back().content, "z-edited.md") << "whole docs, content included";
  EXPECT_EQ(docs->back().base_blob_oid, one);
  EXPECT_EQ(docs->back().blob_oid, two);

  // Pushed: its base becomes its blob, and it leaves the list; edited again, it is back.
  edited.base_blob_oid = two;
  edited.version = 2;
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateDoc(edited, 1); }).ok());
  EXPECT_EQ(names(), (std::vector<std::string>{"B-new.md", "a-old-row.md"}));
  edited.blob_oid = one;
  edited.version = 3;
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateDoc(edited, 2); }).ok());
  EXPECT_EQ(names(), (std::vector<std::string>{"B-new.md", "a-old-row.md", "z-edited.md"}));

  Project none = AddProject("none");
  docs = ReadValue<std::vector<Doc>>(*store_, [&](Transaction& tx) { return tx.ListDocsToExport(none.id); });
  ASSERT_TRUE(docs.has_value());
  EXPECT_TRUE(docs->empty());
  auto missing = ReadValue<std::vector<Doc>>(*store_, [&](Transaction& tx) { return tx.ListDocsToExport("nope"); });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

// A name's path clash is a doc that a file system folding ASCII letter case would put at
// its path or on its way: its case twin, a doc named like one of its folders, or a doc in
// a folder named like it. Other letters are not folded, whatever the database's
// collation; LIKE's wildcards are plain characters; a folder ends at '/' alone ('-' and
// '0' sort either side of it), and the first clash in name order is the one named.
TEST_P(StoreContract, FindPathClashFoldsAsciiLettersAndFollowsFolders) {
  Project p = AddProject("web");
  Project other = AddProject("other");
  for (const char* name : {"README.md", "Readme.md", "readme.md.bak", "Guides/one.md", "guides-old.md", "guidesX/a.md",
                           "\xc3\x9c" "ber.md", "\xc3\xa9/x.md", "a_b%.md", "AXB%.md", "deep/er/x.md", "Notes.md",
                           "w/a_b%.md"}) {
    AddDoc(p.id, name, "text");
  }
  AddDoc(other.id, "readme.md", "text");
  const auto clash = [&](const std::string& project, const std::string& name) {
    auto found = ReadValue<std::optional<std::string>>(*store_, [&](Transaction& tx) {
      return tx.FindPathClash(project, name);
    });
    EXPECT_TRUE(found.has_value()) << name << ": " << found.error().ToString();
    return found.has_value() && *found ? **found : std::string("(none)");
  };
  // Case twins, the first in name order; never the name itself.
  EXPECT_EQ(clash(p.id, "readme.md"), "README.md");
  EXPECT_EQ(clash(p.id, "README.md"), "Readme.md") << "the name itself is no clash";
  EXPECT_EQ(clash(p.id, "GUIDES/ONE.MD"), "Guides/one.md");
  // U+00DC (Ü) is not folded to U+00FC (ü), the rest of the name is.
  EXPECT_EQ(clash(p.id, "\xc3\x9c" "BER.md"), "\xc3\x9c" "ber.md");
  EXPECT_EQ(clash(p.id, "\xc3\xbc" "ber.md"), "(none)");
  EXPECT_EQ(clash(p.id, "A_B%.MD"), "a_b%.md");
  EXPECT_EQ(clash(p.id, "A_B%.MD/x.md"), "a_b%.md");
  EXPECT_EQ(clash(p.id, "aXbYY.md/x.md"), "(none)") << "'_' and '%' in a doc's name are no wildcards";
  EXPECT_EQ(clash(p.id, "W/A_B%.MD/x.md"), "w/a_b%.md");
  EXPECT_EQ(clash(p.id, "w/aXbYY.md/x.md"), "(none)") << "'_' and '%' in a doc's name are no wildcards";
  EXPECT_EQ(clash(p.id, "AXB%.md/x.md"), "AXB%.md");
  // A doc named like a folder of the name, as written or in another case.
  EXPECT_EQ(clash(p.id, "notes.md/x.md"), "Notes.md");
  EXPECT_EQ(clash(p.id, "Notes.md/a/b.md"), "Notes.md");
  EXPECT_EQ(clash(p.id, "readme.md.bak/x.md"), "readme.md.bak");
  // Docs in a folder named like the name, as written or in another case, at any depth.
  EXPECT_EQ(clash(p.id, "guides"), "Guides/one.md");
  EXPECT_EQ(clash(p.id, "Guides"), "Guides/one.md");
  EXPECT_EQ(clash(p.id, "DEEP"), "deep/er/x.md");
  EXPECT_EQ(clash(p.id, "guidesx"), "guidesX/a.md");
  EXPECT_EQ(clash(p.id, "deep/ER"), "deep/er/x.md");
  EXPECT_EQ(clash(p.id, "\xc3\xa9"), "\xc3\xa9/x.md");
  EXPECT_EQ(clash(p.id, "\xc3\x89"), "(none)") << "U+00C9 is not folded to U+00E9";
  // Neighbours: names that only begin alike, and wildcards.
  for (const char* name : {"guide", "guides-old", "guidesY", "deep/e", "readme", "notes.md2/x.md", "guides/two.md",
                           "a%b.md", "a_", "x.md"}) {
    EXPECT_EQ(clash(p.id, name), "(none)") << name;
  }
  EXPECT_EQ(clash(other.id, "README.MD"), "readme.md");
  EXPECT_EQ(clash(other.id, "Notes.md/x.md"), "(none)");
  auto missing = ReadValue<std::optional<std::string>>(*store_, [&](Transaction& tx) {
    return tx.FindPathClash("nope", "readme.md");
  });
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

// 75 new docs cross every batch size a store may use (the SQL store's 64, 8 and 1 rows
// per statement); one name is taken already and is skipped, and reported.
TEST_P(StoreContract, NewDocsAreInsertedWithTheirFirstVersionsAndTakenNamesAreSkipped) {
  Project p = AddProject("web");
  const Doc existing = AddDoc(p.id, "taken.md", "kept");
  std::vector<NewDoc> docs;
  for (int i = 0; i < 75; ++i) {
    const std::string text = "text " + std::to_string(i) + (i % 2 ? " \xC3\xA9\n" : "");
    docs.push_back(ImportedDoc(p.id, i == 40 ? "taken.md" : "dir/" + std::to_string(i) + ".md", text,
                               "new-" + std::to_string(i), "version-" + std::to_string(i), At(5000 + i)));
  }
  std::vector<std::string> taken;
  ASSERT_TRUE(Write([&](Transaction& tx) -> Status {
                LIBSYNC_ASSIGN_OR_RETURN(taken, tx.InsertNewDocs(docs));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(taken, std::vector<std::string>{"taken.md"});

  auto listed = ReadValue<std::vector<Doc>>(*store_, [&](Transaction& tx) { return tx.ListDocs(p.id); });
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 75u) << "74 new docs and the one that was there";
  for (const NewDoc& n : docs) {
    auto doc = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, n.doc.file_name); });
    ASSERT_TRUE(doc.has_value()) << n.doc.file_name;
    if (n.doc.file_name == "taken.md") {
      EXPECT_EQ(doc->id, existing.id);
      EXPECT_EQ(doc->content, "kept");
      auto versions = ReadValue<std::vector<DocVersion>>(*store_, [&](Transaction& tx) {
        return tx.ListDocVersions(n.doc.id);
      });
      EXPECT_TRUE(versions->empty()) << "a skipped doc's version is skipped too";
      continue;
    }
    EXPECT_EQ(doc->id, n.doc.id);
    EXPECT_EQ(doc->content, n.doc.content);
    EXPECT_EQ(doc->hash, n.doc.hash);
    EXPECT_EQ(doc->version, 1);
    EXPECT_EQ(doc->created_at, n.doc.created_at);
    EXPECT_EQ(doc->updated_at, n.doc.updated_at);
    EXPECT_EQ(doc->base_blob_oid, n.doc.base_blob_oid);
    EXPECT_EQ(doc->blob_oid, n.doc.blob_oid);
    EXPECT_EQ(doc->updated_by, "git:main");
    auto v = ReadValue<DocVersion>(*store_, [&](Transaction& tx) { return tx.GetDocVersion(n.doc.id, 1); });
    ASSERT_TRUE(v.has_value()) << n.doc.file_name;
    EXPECT_EQ(v->id, n.version_id);
    EXPECT_EQ(v->project_id, p.id);
    EXPECT_EQ(v->file_name, n.doc.file_name);
    EXPECT_EQ(v->content, n.doc.content);
    EXPECT_EQ(v->hash, n.doc.hash);
    EXPECT_EQ(v->author, "git:main");
    EXPECT_EQ(v->source, VersionSource::kGit);
    EXPECT_EQ(v->created_at, n.doc.created_at);
    EXPECT_EQ(v->blob_oid, n.doc.blob_oid);
  }

  // A project that does not exist: nothing is written.
  for (NewDoc& n : docs) {
    n.doc.project_id = "nope";
    n.doc.id += "-elsewhere";
    n.version_id += "-elsewhere";
  }
  Status missing = Write([&](Transaction& tx) { return tx.InsertNewDocs(docs).status(); });
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound) << missing.ToString();
}

// A store may keep a new doc's first text once (the SQL store does, migration 11): every
// version still reads back as written after the doc's text changes, twice, and after a
// write that changed only the doc's base blob id or missed its expected version.
TEST_P(StoreContract, FirstVersionsOfNewDocsKeepTheirTextThroughLaterWrites) {
  Project p = AddProject("web");
  std::vector<NewDoc> docs;
  for (const std::string name : {"a.md", "b.md"}) {
    docs.push_back(ImportedDoc(p.id, name, "first text of " + name, "id-" + name, "v1-" + name, At(100)));
  }
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertNewDocs(docs).status(); }).ok());
  const auto write = [&](const std::string& text, std::int64_t expected, std::int64_t version) {
    return Write([&](Transaction& tx) -> Status {
      Doc d = docs[0].doc;
      d.content = text;
      d.hash = Sha256Hex(text);
      d.blob_oid = GitBlobId(text);
      d.version = version;
      d.base_blob_oid = "base-" + std::to_string(version);
      LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(d, expected));
      if (version == expected) return Status::Ok();
      DocVersion v{"v" + std::to_string(version) + "-a.md", d.id, p.id, d.file_name, version, text, d.hash,
                   "api", VersionSource::kApi, At(100 + version), d.blob_oid};
      return tx.InsertDocVersion(v);
    });
  };
  const auto text_of = [&](const std::string& doc_id, std::int64_t version) {
    auto v = ReadValue<DocVersion>(*store_, [&](Transaction& tx) { return tx.GetDocVersion(doc_id, version); });
    return v.has_value() ? v->content : "(" + v.error().ToString() + ")";
  };
  ASSERT_TRUE(write("first text of a.md", 1, 1).ok()) << "only the base blob id changes";
  EXPECT_EQ(text_of("id-a.md", 1), "first text of a.md");
  EXPECT_EQ(write("stale", 0, 2).code(), ErrorCode::kPreconditionFailed);
  ASSERT_TRUE(write("second text", 1, 2).ok());
  ASSERT_TRUE(write("third text", 2, 3).ok());
  EXPECT_EQ(text_of("id-a.md", 1), "first text of a.md");
  EXPECT_EQ(text_of("id-a.md", 2), "second text");
  EXPECT_EQ(text_of("id-a.md", 3), "third text");
  EXPECT_EQ(text_of("id-b.md", 1), "first text of b.md") << "the other doc's first version is untouched";
  auto listed = ReadValue<std::vector<DocVersion>>(*store_, [&](Transaction& tx) { return tx.ListDocVersions("id-a.md"); });
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ(listed->back().version, 1);
  EXPECT_EQ(listed->back().author, "git:main");
  EXPECT_EQ(listed->back().source, VersionSource::kGit);
}

TEST_P(StoreContract, SameFileNameTwiceIsRefused) {
  Project p = AddProject("web");
  AddDoc(p.id, "a.md", "a");
  Doc dup;
  dup.id = "other";
  dup.project_id = p.id;
  dup.file_name = "a.md";
  dup.hash = Sha256Hex("");
  Status s = Write([&](Transaction& tx) { return tx.InsertDoc(dup); });
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
}

TEST_P(StoreContract, UpdateDocIsCompareAndSwapOnVersion) {
  Project p = AddProject("web");
  Doc d = AddDoc(p.id, "a.md", "one");
  Doc next = d;
  next.content = "two";
  next.hash = Sha256Hex("two");
  next.version = 2;
  Status stale = Write([&](Transaction& tx) { return tx.UpdateDoc(next, 7); });
  EXPECT_EQ(stale.code(), ErrorCode::kPreconditionFailed);
  auto got = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "a.md"); });
  EXPECT_EQ(got->content, "one");

  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateDoc(next, 1); }).ok());
  got = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "a.md"); });
  EXPECT_EQ(got->content, "two");
  EXPECT_EQ(got->version, 2);
  // The same CAS again sees version 2 and refuses.
  EXPECT_EQ(Write([&](Transaction& tx) { return tx.UpdateDoc(next, 1); }).code(),
            ErrorCode::kPreconditionFailed);
}

TEST_P(StoreContract, VersionsListNewestFirstWithoutContent) {
  Project p = AddProject("web");
  Doc d = AddDoc(p.id, "a.md", "one");
  for (int v = 1; v <= 3; ++v) {
    DocVersion dv{"v" + std::to_string(v), d.id, p.id, "a.md", v, "text " + std::to_string(v),
                  Sha256Hex("text " + std::to_string(v)), "bob",
                  v == 3 ? VersionSource::kRevert : VersionSource::kApi, At(3000 + v)};
    ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertDocVersion(dv); }).ok());
  }
  auto list = ReadValue<std::vector<DocVersion>>(
      *store_, [&](Transaction& tx) { return tx.ListDocVersions(d.id); });
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].version, 3);
  EXPECT_EQ((*list)[0].source, VersionSource::kRevert);
  EXPECT_EQ((*list)[0].author, "bob");
  EXPECT_EQ((*list)[0].content, "");
  EXPECT_EQ((*list)[2].version, 1);
  auto one = ReadValue<DocVersion>(*store_, [&](Transaction& tx) { return tx.GetDocVersion(d.id, 2); });
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->content, "text 2");
  EXPECT_EQ(one->created_at, At(3002));
  auto missing = ReadValue<DocVersion>(*store_, [&](Transaction& tx) { return tx.GetDocVersion(d.id, 9); });
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  DocVersion dup{"vx", d.id, p.id, "a.md", 2, "x", Sha256Hex("x"), "bob", VersionSource::kApi, At(1)};
  EXPECT_EQ(Write([&](Transaction& tx) { return tx.InsertDocVersion(dup); }).code(),
            ErrorCode::kPreconditionFailed);
}

TEST_P(StoreContract, DeletingADocDeletesItsVersions) {
  Project p = AddProject("web");
  Doc d = AddDoc(p.id, "a.md", "one");
  DocVersion dv{"v1", d.id, p.id, "a.md", 1, "one", d.hash, "alice", VersionSource::kApi, At(1)};
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertDocVersion(dv); }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteDoc(p.id, "a.md"); }).ok());
  auto got = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "a.md"); });
  EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
  auto list = ReadValue<std::vector<DocVersion>>(
      *store_, [&](Transaction& tx) { return tx.ListDocVersions(d.id); });
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());
  EXPECT_EQ(Write([&](Transaction& tx) { return tx.DeleteDoc(p.id, "a.md"); }).code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreContract, TombstonesArePutReplacedListedAndTaken) {
  Project p = AddProject("web");
  Project other = AddProject("api");
  DocTombstone b{p.id, "b.md", "blob-b", At(4000), "alice"};
  DocTombstone a{p.id, "a.md", "blob-a", At(4001), "bob"};
  DocTombstone elsewhere{other.id, "a.md", "blob-x", At(4002), "carol"};
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.PutTombstone(b));
    LIBSYNC_RETURN_IF_ERROR(tx.PutTombstone(a));
    return tx.PutTombstone(elsewhere);
  }).ok());
  auto list = ReadValue<std::vector<DocTombstone>>(*store_, [&](Transaction& tx) { return tx.ListTombstones(p.id); });
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].file_name, "a.md");  // ordered by fileName
  EXPECT_EQ((*list)[0].base_blob_oid, "blob-a");
  EXPECT_EQ((*list)[0].deleted_at, At(4001));
  EXPECT_EQ((*list)[0].deleted_by, "bob");
  EXPECT_EQ((*list)[1].file_name, "b.md");

  // Deleting the same name again (after a re-create) replaces the row.
  DocTombstone again{p.id, "b.md", "blob-b2", At(5000), "dave"};
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.PutTombstone(again); }).ok());
  std::optional<DocTombstone> taken;
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(taken, tx.TakeTombstone(p.id, "b.md"));
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->base_blob_oid, "blob-b2");
  EXPECT_EQ(taken->deleted_at, At(5000));
  EXPECT_EQ(taken->deleted_by, "dave");
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(taken, tx.TakeTombstone(p.id, "b.md"));
    return Status::Ok();
  }).ok());
  EXPECT_FALSE(taken.has_value()) << "taken once, gone";

  // A rolled-back take leaves the tombstone; the other project's is untouched throughout.
  EXPECT_EQ(Write([&](Transaction& tx) {
              LIBSYNC_RETURN_IF_ERROR(tx.TakeTombstone(p.id, "a.md").status());
              return Status::Unavailable("abort");
            }).code(),
            ErrorCode::kUnavailable);
  list = ReadValue<std::vector<DocTombstone>>(*store_, [&](Transaction& tx) { return tx.ListTombstones(p.id); });
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].file_name, "a.md");
  list = ReadValue<std::vector<DocTombstone>>(*store_, [&](Transaction& tx) { return tx.ListTombstones(other.id); });
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].base_blob_oid, "blob-x");

  // They go with their project.
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteProject(p.id); }).ok());
  Project reborn = p;
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertProject(reborn); }).ok());
  list = ReadValue<std::vector<DocTombstone>>(*store_, [&](Transaction& tx) { return tx.ListTombstones(p.id); });
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());
}

TEST_P(StoreContract, ConflictsArePutReplacedListedTakenAndCleared) {
  Project p = AddProject("web");
  Project other = AddProject("api");
  DocConflict b{p.id, "b.md", "changed on both sides", "c1", "base-b", "remote-b", "base text", "", At(7000)};
  DocConflict a{p.id, "a.md", "deleted there", "c1", "base-a", std::string(kNoBlobId), std::nullopt, std::nullopt,
                At(7001)};
  DocConflict elsewhere{other.id, "a.md", "never synced", "c9", "", "remote-x", std::nullopt, "x", At(7002)};
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.PutConflict(b));
    LIBSYNC_RETURN_IF_ERROR(tx.PutConflict(a));
    return tx.PutConflict(elsewhere);
  }).ok());
  auto list = ReadValue<std::vector<DocConflict>>(*store_, [&](Transaction& tx) { return tx.ListConflicts(p.id); });
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].file_name, "a.md");  // ordered by fileName
  EXPECT_EQ((*list)[0].remote_blob_oid, kNoBlobId);
  EXPECT_FALSE((*list)[0].base_content.has_value());
  EXPECT_FALSE((*list)[0].remote_content.has_value());
  EXPECT_EQ((*list)[1].reason, "changed on both sides");
  EXPECT_EQ((*list)[1].commit, "c1");
  EXPECT_EQ((*list)[1].base_blob_oid, "base-b");
  EXPECT_EQ((*list)[1].base_content, "base text");
  EXPECT_EQ((*list)[1].remote_content, "") << "an empty text is not a missing one";
  EXPECT_EQ((*list)[1].detected_at, At(7000));

  DocConflict b2 = b;
  b2.remote_blob_oid = "remote-b2";
  b2.remote_content = std::nullopt;
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.PutConflict(b2); }).ok());
  std::optional<DocConflict> taken;
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(taken, tx.TakeConflict(p.id, "b.md"));
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->remote_blob_oid, "remote-b2");
  EXPECT_FALSE(taken->remote_content.has_value());
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(taken, tx.TakeConflict(p.id, "b.md"));
    return Status::Ok();
  }).ok());
  EXPECT_FALSE(taken.has_value());

  // Clearing is per project and rolls back with its transaction.
  EXPECT_EQ(Write([&](Transaction& tx) {
              LIBSYNC_RETURN_IF_ERROR(tx.ClearConflicts(p.id));
              return Status::Unavailable("abort");
            }).code(),
            ErrorCode::kUnavailable);
  list = ReadValue<std::vector<DocConflict>>(*store_, [&](Transaction& tx) { return tx.ListConflicts(p.id); });
  EXPECT_EQ(list->size(), 1u);
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.ClearConflicts(p.id); }).ok());
  list = ReadValue<std::vector<DocConflict>>(*store_, [&](Transaction& tx) { return tx.ListConflicts(p.id); });
  EXPECT_TRUE(list->empty());
  list = ReadValue<std::vector<DocConflict>>(*store_, [&](Transaction& tx) { return tx.ListConflicts(other.id); });
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().remote_content, "x");

  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteProject(other.id); }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertProject(other); }).ok());
  list = ReadValue<std::vector<DocConflict>>(*store_, [&](Transaction& tx) { return tx.ListConflicts(other.id); });
  EXPECT_TRUE(list->empty()) << "they go with their project";
}

TEST_P(StoreContract, LockRowIsPutReplacedAndDeleted) {
  Project p = AddProject("web");
  auto none = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  Lock l{"l1", p.id, "alice", At(1000), At(61000), "editing", Sha256Hex("t"), 1};
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.PutLock(l); }).ok());
  auto got = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->locked_by, "alice");
  EXPECT_EQ((*got)->expires_at, At(61000));
  EXPECT_EQ((*got)->reason, "editing");
  EXPECT_EQ((*got)->token_hash, Sha256Hex("t"));
  EXPECT_EQ((*got)->fence, 1);

  // A replace rewrites every column: a renewal or an extend is exactly this call.
  Lock l2{"l2", p.id, "bob", At(2000), At(9000), "", Sha256Hex("u"), 2};
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.PutLock(l2); }).ok());
  got = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->id, "l2");
  EXPECT_EQ((*got)->locked_by, "bob");
  EXPECT_EQ((*got)->locked_at, At(2000));
  EXPECT_EQ((*got)->expires_at, At(9000));
  EXPECT_EQ((*got)->reason, "");
  EXPECT_EQ((*got)->token_hash, Sha256Hex("u"));
  EXPECT_EQ((*got)->fence, 2);

  // The same row again with only its expiry moved, as LockService::Extend writes it,
  // under the project lock; the expired-lock listing sees the new expiry too.
  Lock extended = l2;
  extended.expires_at = At(120000);
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
    return tx.PutLock(extended);
  }).ok());
  got = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->expires_at, At(120000)) << "an extend that does not persist";
  auto expired = ReadValue<std::vector<Lock>>(*store_, [&](Transaction& tx) { return tx.ListExpiredLocks(At(10000)); });
  ASSERT_TRUE(expired.has_value());
  EXPECT_TRUE(expired->empty()) << "listed as expired at its old expiry";

  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteLock(p.id); }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteLock(p.id); }).ok());
  got = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  EXPECT_FALSE(got->has_value());
}

// GetLock shows the row as this transaction sees it, with and without LockProject,
// including the transaction's own writes; a copy outlives the calls that follow it.
TEST_P(StoreContract, GetLockSeesTheTransactionsOwnLockWrites) {
  Project p = AddProject("web");
  Lock l{"l1", p.id, "alice", At(1000), At(61000), "editing", Sha256Hex("t"), 1};
  ASSERT_TRUE(Write([&](Transaction& tx) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(auto before, tx.GetLock(p.id));
    if (before) return Status::Internal("expected no lock row");
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
    LIBSYNC_ASSIGN_OR_RETURN(auto put, tx.GetLock(p.id));
    if (!put || put->locked_by != "alice" || put->fence != 1) return Status::Internal("own put not seen");
    return Status::Ok();
  }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(auto row, tx.GetLock(p.id));
    if (!row || row->token_hash != Sha256Hex("t") || row->expires_at != At(61000)) {
      return Status::Internal("committed row not seen");
    }
    LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteLock(p.id));
    if (row->locked_by != "alice") return Status::Internal("the copy changed with the delete");
    LIBSYNC_ASSIGN_OR_RETURN(auto gone, tx.GetLock(p.id));
    return gone ? Status::Internal("own delete not seen") : Status::Ok();
  }).ok());
  EXPECT_EQ(ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock("no-such-project"); })
                .error()
                .code(),
            ErrorCode::kNotFound);
}

TEST_P(StoreContract, FencesIncreasePerProjectAndSurviveLockDeletion) {
  Project a = AddProject("a");
  Project b = AddProject("b");
  auto next = [&](const std::string& id) {
    std::int64_t fence = -1;
    EXPECT_TRUE(Write([&](Transaction& tx) {
      LIBSYNC_ASSIGN_OR_RETURN(fence, tx.NextFence(id));
      return Status::Ok();
    }).ok());
    return fence;
  };
  EXPECT_EQ(next(a.id), 1);
  EXPECT_EQ(next(a.id), 2);
  EXPECT_EQ(next(b.id), 1);
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteLock(a.id); }).ok());
  EXPECT_EQ(next(a.id), 3);
}

TEST_P(StoreContract, ExpiredLocksAreListedAcrossProjects) {
  Project a = AddProject("a");
  Project b = AddProject("b");
  Lock la{"la", a.id, "alice", At(0), At(5000), "", "h", 1};
  Lock lb{"lb", b.id, "bob", At(0), At(9000), "", "h", 1};
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(la));
    return tx.PutLock(lb);
  }).ok());
  auto expired = ReadValue<std::vector<Lock>>(
      *store_, [&](Transaction& tx) { return tx.ListExpiredLocks(At(6000)); });
  ASSERT_TRUE(expired.has_value());
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].project_id, a.id);
  expired = ReadValue<std::vector<Lock>>(*store_, [&](Transaction& tx) { return tx.ListExpiredLocks(At(9000)); });
  EXPECT_EQ(expired->size(), 2u);
}

TEST_P(StoreContract, ApiKeysAreFoundByHashAndUpdated) {
  Project p = AddProject("web");
  ApiKey k;
  k.id = "k1";
  k.project_id = p.id;
  k.key_hash = Sha256Hex("sk_secret");
  k.name = "laptop";
  k.created_at = At(100);
  k.scope = KeyScope::kWrite;
  k.prefix = "sk_secr";
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.InsertApiKey(k); }).ok());
  auto found = ReadValue<ApiKey>(*store_, [&](Transaction& tx) { return tx.FindApiKeyByHash(k.key_hash); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "k1");
  EXPECT_EQ(found->scope, KeyScope::kWrite);
  EXPECT_TRUE(found->is_active);
  EXPECT_FALSE(found->last_used_at.has_value());

  k.is_active = false;
  k.last_used_at = At(200);
  k.last_pulled_hash = "abc";
  k.last_pulled_at = At(300);
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.UpdateApiKey(k); }).ok());
  auto got = ReadValue<ApiKey>(*store_, [&](Transaction& tx) { return tx.GetApiKey("k1"); });
  EXPECT_FALSE(got->is_active);
  EXPECT_EQ(got->last_used_at, At(200));
  EXPECT_EQ(got->last_pulled_hash, "abc");
  EXPECT_EQ(got->last_pulled_at, At(300));

  ApiKey dup = k;
  dup.id = "k2";
  EXPECT_EQ(Write([&](Transaction& tx) { return tx.InsertApiKey(dup); }).code(),
            ErrorCode::kPreconditionFailed);
  auto missing = ReadValue<ApiKey>(*store_, [&](Transaction& tx) { return tx.FindApiKeyByHash("zz"); });
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto list = ReadValue<std::vector<ApiKey>>(*store_, [&](Transaction& tx) { return tx.ListApiKeys(p.id); });
  ASSERT_EQ(list->size(), 1u);
}

TEST_P(StoreContract, EventSeqsArePerProjectAndReadable) {
  Project a = AddProject("a");
  Project b = AddProject("b");
  std::vector<std::int64_t> seqs;
  ASSERT_TRUE(Write([&](Transaction& tx) {
    for (int i = 0; i < 3; ++i) {
      LIBSYNC_ASSIGN_OR_RETURN(auto seq, tx.AppendEvent(a.id, "doc:updated", "{\"i\":" + std::to_string(i) + "}", At(10 + i)));
      seqs.push_back(seq);
    }
    LIBSYNC_ASSIGN_OR_RETURN(auto seq, tx.AppendEvent(b.id, "lock:acquired", "{}", At(50)));
    seqs.push_back(seq);
    return Status::Ok();
  }).ok());
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 3, 1}));

  auto page = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(a.id, 1, 10); });
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->head_seq, 3);
  EXPECT_EQ(page->oldest_seq, 1);
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].seq, 2);
  EXPECT_EQ(page->events[0].payload, "{\"i\":1}");
  EXPECT_EQ(page->events[0].type, "doc:updated");
  EXPECT_EQ(page->events[0].created_at, At(11));
  page = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(a.id, 0, 1); });
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->events[0].seq, 1);
  page = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(a.id, 3, 10); });
  EXPECT_TRUE(page->events.empty());
}

// Seqs come from one per-project counter whichever way a transaction reaches it: with the
// project's write lock held (the use cases' way) or without, several in one transaction,
// mixed with fences, and never reused after a rollback.
TEST_P(StoreContract, EventSeqsNeverRepeatAcrossTransactions) {
  Project p = AddProject("web");
  Project other = AddProject("other");
  std::vector<std::int64_t> seqs;
  auto append = [&](Transaction& tx, const std::string& project_id) -> Status {
    LIBSYNC_ASSIGN_OR_RETURN(auto seq, tx.AppendEvent(project_id, "doc:updated", "{}", At(1)));
    if (project_id == p.id) seqs.push_back(seq);
    return Status::Ok();
  };
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(Write([&](Transaction& tx) {  // held, two appends and a fence
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
      LIBSYNC_RETURN_IF_ERROR(append(tx, p.id));
      LIBSYNC_RETURN_IF_ERROR(tx.NextFence(p.id).status());
      return append(tx, p.id);
    }).ok());
    ASSERT_TRUE(Write([&](Transaction& tx) { return append(tx, p.id); }).ok());  // not held
    ASSERT_TRUE(Write([&](Transaction& tx) {  // another project's counter in between
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(other.id));
      return append(tx, other.id);
    }).ok());
    std::vector<std::int64_t> rolled_back;
    EXPECT_EQ(Write([&](Transaction& tx) -> Status {
                LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
                LIBSYNC_ASSIGN_OR_RETURN(auto seq, tx.AppendEvent(p.id, "doc:updated", "{}", At(1)));
                rolled_back.push_back(seq);
                return Status::Unavailable("abort");
              }).code(),
              ErrorCode::kUnavailable);
    ASSERT_TRUE(Write([&](Transaction& tx) {  // held, one append
      LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
      return append(tx, p.id);
    }).ok());
  }
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 1; i <= static_cast<std::int64_t>(seqs.size()); ++i) expected.push_back(i);
  EXPECT_EQ(seqs, expected) << "each append gets the next seq, once";
  auto page = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(p.id, 0, 1000); });
  ASSERT_TRUE(page.has_value());
  std::vector<std::int64_t> stored;
  for (const auto& e : page->events) stored.push_back(e.seq);
  EXPECT_EQ(stored, expected) << "the log holds each seq once";
  EXPECT_EQ(page->head_seq, static_cast<std::int64_t>(expected.size()));
  auto others = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(other.id, 0, 1000); });
  EXPECT_EQ(others->head_seq, 3);
}

TEST_P(StoreContract, DeletingAProjectCascades) {
  Project p = AddProject("web");
  Project other = AddProject("other");
  Doc d = AddDoc(p.id, "a.md", "x");
  AddDoc(other.id, "a.md", "y");
  DocVersion dv{"v1", d.id, p.id, "a.md", 1, "x", d.hash, "alice", VersionSource::kApi, At(1)};
  ApiKey k;
  k.id = "k1";
  k.project_id = p.id;
  k.key_hash = "hash-k1";
  k.name = "laptop";
  Lock l{"l1", p.id, "alice", At(0), At(100000), "", "h", 1};
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_RETURN_IF_ERROR(tx.InsertDocVersion(dv));
    LIBSYNC_RETURN_IF_ERROR(tx.InsertApiKey(k));
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
    return tx.AppendEvent(p.id, "doc:updated", "{}", At(1)).status();
  }).ok());
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.DeleteProject(p.id); }).ok());

  EXPECT_EQ(ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "a.md"); }).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue<ApiKey>(*store_, [&](Transaction& tx) { return tx.FindApiKeyByHash("hash-k1"); }).error().code(),
            ErrorCode::kNotFound);
  auto versions = ReadValue<std::vector<DocVersion>>(*store_, [&](Transaction& tx) { return tx.ListDocVersions(d.id); });
  EXPECT_TRUE(versions->empty());
  auto expired = ReadValue<std::vector<Lock>>(*store_, [&](Transaction& tx) { return tx.ListExpiredLocks(At(1000000)); });
  EXPECT_TRUE(expired->empty());
  // The other project is untouched.
  EXPECT_TRUE(ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(other.id, "a.md"); }).has_value());
}

TEST_P(StoreContract, FailedWorkRollsBackEverything) {
  Project p = AddProject("web");
  Status s = Write([&](Transaction& tx) {
    Doc d;
    d.id = "doomed";
    d.project_id = p.id;
    d.file_name = "doomed.md";
    d.hash = Sha256Hex("");
    LIBSYNC_RETURN_IF_ERROR(tx.InsertDoc(d));
    LIBSYNC_RETURN_IF_ERROR(tx.NextFence(p.id).status());
    LIBSYNC_RETURN_IF_ERROR(tx.AppendEvent(p.id, "doc:updated", "{}", At(1)).status());
    Lock l{"l", p.id, "x", At(0), At(99999), "", "h", 1};
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l));
    return Status::PreconditionFailed("changed my mind");
  });
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "doomed.md"); }).error().code(),
            ErrorCode::kNotFound);
  auto lock = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  EXPECT_FALSE(lock->has_value());
  auto page = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(p.id, 0, 10); });
  EXPECT_EQ(page->head_seq, 0);
  std::int64_t fence = 0;
  ASSERT_TRUE(Write([&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(fence, tx.NextFence(p.id));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(fence, 1) << "a rolled-back fence must not be consumed";
}

TEST_P(StoreContract, RollbackRestoresRowsChangedThenDeleted) {
  Project p = AddProject("web");
  Doc d = AddDoc(p.id, "a.md", "one");
  Lock l{"l", p.id, "alice", At(0), At(99999), "", "h", 1};
  ASSERT_TRUE(Write([&](Transaction& tx) { return tx.PutLock(l); }).ok());
  Status s = Write([&](Transaction& tx) {
    Doc next = d;
    next.content = "two";
    next.version = 2;
    LIBSYNC_RETURN_IF_ERROR(tx.UpdateDoc(next, 1));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteDoc(p.id, "a.md"));
    Lock l2 = l;
    l2.locked_by = "bob";
    LIBSYNC_RETURN_IF_ERROR(tx.PutLock(l2));
    LIBSYNC_RETURN_IF_ERROR(tx.DeleteProject(p.id));
    return Status::Unavailable("abort");
  });
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  auto doc = ReadValue<Doc>(*store_, [&](Transaction& tx) { return tx.GetDoc(p.id, "a.md"); });
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->content, "one");
  EXPECT_EQ(doc->version, 1);
  auto lock = ReadValue<std::optional<Lock>>(*store_, [&](Transaction& tx) { return tx.GetLock(p.id); });
  ASSERT_TRUE(lock.has_value() && lock->has_value());
  EXPECT_EQ((*lock)->locked_by, "alice");
}

TEST_P(StoreContract, ConcurrentWritersGetDistinctFencesAndSeqs) {
  Project p = AddProject("web");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::vector<std::int64_t>> fences(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::int64_t fence = 0;
        Status s = Write([&](Transaction& tx) {
          LIBSYNC_RETURN_IF_ERROR(tx.LockProject(p.id));
          LIBSYNC_ASSIGN_OR_RETURN(fence, tx.NextFence(p.id));
          return tx.AppendEvent(p.id, "lock:acquired", "{}", At(1)).status();
        });
        if (!s.ok()) {
          ++failures;
        } else {
          fences[t].push_back(fence);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::int64_t> all;
  for (const auto& f : fences) {
    for (std::size_t i = 1; i < f.size(); ++i) EXPECT_LT(f[i - 1], f[i]);
    all.insert(f.begin(), f.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
  auto page = ReadValue<EventPage>(*store_, [&](Transaction& tx) { return tx.ReadEvents(p.id, 0, 1000); });
  EXPECT_EQ(page->head_seq, kThreads * kPerThread);
  EXPECT_EQ(page->events.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace libsync::testing
