#include "libsync/doc_service.hpp"

#include "libsync/hashing.hpp"
#include "service_fixture.hpp"

namespace libsync {
namespace {

class DocServiceTest : public ServiceTest {
 protected:
  DocWriteResult Put(const std::string& name, const std::string& content, WriteGuard guard = {}) {
    auto r = sync_.docs().Put(admin_, project_.id, name, content, guard);
    EXPECT_TRUE(r.has_value()) << r.error();
    return r.has_value() ? r.value() : DocWriteResult{};
  }
  Doc Get(const std::string& name) { return sync_.docs().Get(admin_, project_.id, name).value(); }
  // A new doc `name` is refused with 400, saying `why`, and is not written.
  void ExpectNameRefused(const std::string& name, const std::string& why) {
    auto refused = sync_.docs().Put(admin_, project_.id, name, "text");
    ASSERT_FALSE(refused.has_value()) << name;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(refused.error().message().find(why), std::string::npos) << refused.error().message();
    EXPECT_FALSE(sync_.docs().Get(admin_, project_.id, name).has_value()) << name;
  }
};

TEST_F(DocServiceTest, CreateStartsAtVersionOneWithTheContentHash) {
  auto r = Put("guides/style.md", "# Style\n");
  EXPECT_TRUE(r.created);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.doc.version, 1);
  EXPECT_EQ(r.doc.hash, Sha256Hex("# Style\n"));
  EXPECT_EQ(r.doc.updated_by, "lead");
  Doc got = Get("guides/style.md");
  EXPECT_EQ(got.content, "# Style\n");
  EXPECT_EQ(got.version, 1);
}

// No name may be a file and a folder at once: the repository and every workstation's
// folder could hold only one of the two.
TEST_F(DocServiceTest, ANameCannotBeADocAndAFolderOfDocsAtOnce) {
  Put("a.md", "a file");
  Put("guides/deep/style.md", "in a folder");
  Put("guides-old.md", "beside the folder");
  sink_.Clear();
  for (const char* name : {"a.md/x.md", "a.md/history", "guides", "guides/deep", "guides/deep/style.md/x.md"}) {
    ExpectNameRefused(name, "a file and a folder at once");
  }
  EXPECT_TRUE(sink_.Events().empty()) << "a refused write announces nothing";
  // Neighbours that only share the beginning of a name are no folder of it.
  EXPECT_TRUE(Put("guides/deep2.md", "x").created);
  EXPECT_TRUE(Put("a.md2/x.md", "x").created);
  EXPECT_TRUE(Put("guide", "x").created);
  // Once the doc is gone, its name may become a folder.
  ASSERT_TRUE(sync_.docs().Delete(admin_, project_.id, "a.md").ok());
  EXPECT_TRUE(Put("a.md/x.md", "now a folder").created);
}

// Names that differ only in letter case are one file on a workstation whose file system
// folds case: a new doc may not be the case twin of one here.
TEST_F(DocServiceTest, ANewDocMayNotDifferFromAnotherOnlyInLetterCase) {
  Put("README.md", "the readme");
  Put("guides/Style.md", "the style");
  Put("AZ.md", "A to Z");
  sink_.Clear();
  for (const char* name : {"readme.md", "ReadMe.md", "GUIDES/style.md", "guides/style.MD", "az.md", "aZ.md"}) {
    ExpectNameRefused(name, "differ only in letter case");
  }
  EXPECT_NE(sync_.docs().Put(admin_, project_.id, "readme.md", "x").error().message().find("'README.md'"),
            std::string::npos)
      << "the message names the doc it would clash with";
  EXPECT_TRUE(sink_.Events().empty()) << "a refused write announces nothing";
  EXPECT_EQ(sync_.docs().List(admin_, project_.id)->size(), 3u);
  // The doc itself is written again as before, and names that differ in more than case are
  // new docs.
  EXPECT_TRUE(Put("README.md", "the readme, again").changed);
  EXPECT_TRUE(Put("README2.md", "x").created);
  EXPECT_TRUE(Put("guides/Style.md.bak", "x").created);
  // Once the doc is gone, its twin may take its place.
  ASSERT_TRUE(sync_.docs().Delete(admin_, project_.id, "README.md").ok());
  EXPECT_TRUE(Put("readme.md", "now lower case").created);
}

// A file and a folder whose names differ only in letter case are one path on such a
// workstation: a new doc may not be named like a folder of docs here, or sit in a folder
// named like a doc here, in any case.
TEST_F(DocServiceTest, ANewDocMayNotBeAFileAndAFolderInAnotherCase) {
  Put("Notes.md", "a file");
  Put("Guides/deep/style.md", "in a folder");
  sink_.Clear();
  const std::pair<const char*, const char*> refused_beside[] = {
      {"notes.md/x.md", "would make the doc 'Notes.md' a folder on a workstation whose file system folds case"},
      {"NOTES.MD/a/b.md", "would make the doc 'Notes.md' a folder on a workstation"},
      {"guides", "is a folder of docs ('Guides/deep/style.md') on a workstation whose file system folds case"},
      {"GUIDES/Deep", "is a folder of docs ('Guides/deep/style.md') on a workstation"},
      {"guides/deep/STYLE.md/x.md", "would make the doc 'Guides/deep/style.md' a folder"},
  };
  for (const auto& [name, why] : refused_beside) {
    ExpectNameRefused(name, why);
    ExpectNameRefused(name, "; a name cannot be a file and a folder at once");
  }
  EXPECT_TRUE(sink_.Events().empty()) << "a refused write announces nothing";
  // A folder in another case beside a folder is one folder there, and holds both files.
  EXPECT_TRUE(Put("guides/other.md", "x").created);
  EXPECT_TRUE(Put("GUIDES/deep/more.md", "x").created);
  // Names that only begin alike are no folder of each other.
  EXPECT_TRUE(Put("notes.md2/x.md", "x").created);
  EXPECT_TRUE(Put("guides-old.md", "x").created);
  ASSERT_TRUE(sync_.docs().Delete(admin_, project_.id, "Notes.md").ok());
  EXPECT_TRUE(Put("notes.md/x.md", "now a folder").created);
}

TEST_F(DocServiceTest, ChangingContentBumpsTheVersion) {
  Put("a.md", "one");
  auto r = Put("a.md", "two");
  EXPECT_FALSE(r.created);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.doc.version, 2);
  EXPECT_EQ(Get("a.md").content, "two");
}

TEST_F(DocServiceTest, WritingTheSameContentIsANoOp) {
  Put("a.md", "same");
  sink_.Clear();
  auto r = Put("a.md", "same");
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.doc.version, 1);
  EXPECT_TRUE(sink_.Events().empty()) << "a no-op write must not announce a change";
  EXPECT_EQ(sync_.docs().History(admin_, project_.id, "a.md")->size(), 1u);
}

TEST_F(DocServiceTest, StaleExpectedVersionFailsAndChangesNothing) {
  Put("a.md", "one");
  Put("a.md", "two");
  sink_.Clear();
  auto r = sync_.docs().Put(admin_, project_.id, "a.md", "three", {.expected_version = 1});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(r.error().detail("currentVersion"), "2");
  EXPECT_EQ(Get("a.md").content, "two");
  EXPECT_EQ(Get("a.md").version, 2);
  EXPECT_TRUE(sink_.Events().empty());
  // The matching version goes through.
  EXPECT_EQ(Put("a.md", "three", {.expected_version = 2}).doc.version, 3);
}

TEST_F(DocServiceTest, ExpectedVersionZeroMeansCreateOnly) {
  EXPECT_TRUE(Put("new.md", "x", {.expected_version = 0}).created);
  auto again = sync_.docs().Put(admin_, project_.id, "new.md", "y", {.expected_version = 0});
  EXPECT_EQ(again.error().code(), ErrorCode::kPreconditionFailed);
  auto missing = sync_.docs().Put(admin_, project_.id, "other.md", "y", {.expected_version = 3});
  EXPECT_EQ(missing.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(sync_.docs().Get(admin_, project_.id, "other.md").error().code(), ErrorCode::kNotFound);
}

TEST_F(DocServiceTest, HistoryListsEveryVersionNewestFirst) {
  Put("a.md", "one");
  clock_.Advance(std::chrono::seconds(1));
  Put("a.md", "two");
  clock_.Advance(std::chrono::seconds(1));
  Put("a.md", "three");
  auto history = sync_.docs().History(admin_, project_.id, "a.md");
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].version, 3);
  EXPECT_EQ((*history)[0].hash, Sha256Hex("three"));
  EXPECT_EQ((*history)[2].version, 1);
  EXPECT_EQ((*history)[2].author, "lead");
  EXPECT_EQ((*history)[2].source, VersionSource::kApi);
  EXPECT_LT((*history)[2].created_at, (*history)[0].created_at);
  auto v1 = sync_.docs().Version(admin_, project_.id, "a.md", 1);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->content, "one");
  EXPECT_EQ(sync_.docs().Version(admin_, project_.id, "a.md", 3)->content, "three");
  EXPECT_EQ(sync_.docs().Version(admin_, project_.id, "a.md", 9).error().code(), ErrorCode::kNotFound);
}

TEST_F(DocServiceTest, RevertWritesOldContentAsANewVersion) {
  Put("a.md", "one");
  Put("a.md", "two");
  sink_.Clear();
  auto r = sync_.docs().Revert(admin_, project_.id, "a.md", 1);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->doc.version, 3);
  EXPECT_EQ(Get("a.md").content, "one");
  auto history = sync_.docs().History(admin_, project_.id, "a.md");
  EXPECT_EQ((*history)[0].source, VersionSource::kRevert);
  EXPECT_EQ(sink_.Types(), std::vector<std::string>{"doc:updated"});
  EXPECT_NE(sink_.Events()[0].payload.find("\"source\":\"revert\""), std::string::npos);
  // Reverting to the current content changes nothing.
  auto same = sync_.docs().Revert(admin_, project_.id, "a.md", 3);
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(sync_.docs().Revert(admin_, project_.id, "a.md", 42).error().code(), ErrorCode::kNotFound);
}

TEST_F(DocServiceTest, RevertHonoursTheExpectedVersion) {
  Put("a.md", "one");
  Put("a.md", "two");
  sink_.Clear();
  auto stale = sync_.docs().Revert(admin_, project_.id, "a.md", 1, {.expected_version = 1});
  ASSERT_FALSE(stale.has_value()) << "a revert against a stale version went through";
  EXPECT_EQ(stale.error().code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(stale.error().detail("currentVersion"), "2");
  EXPECT_EQ(Get("a.md").content, "two");
  EXPECT_EQ(Get("a.md").version, 2);
  EXPECT_EQ(sync_.docs().History(admin_, project_.id, "a.md")->size(), 2u);
  EXPECT_TRUE(sink_.Events().empty());
  auto current = sync_.docs().Revert(admin_, project_.id, "a.md", 1, {.expected_version = 2});
  ASSERT_TRUE(current.has_value()) << current.error();
  EXPECT_EQ(current->doc.version, 3);
  EXPECT_EQ(Get("a.md").content, "one");
}

TEST_F(DocServiceTest, DeleteRemovesTheDocAndAnnouncesIt) {
  Put("a.md", "one");
  sink_.Clear();
  ASSERT_TRUE(sync_.docs().Delete(admin_, project_.id, "a.md").ok());
  EXPECT_EQ(sync_.docs().Get(admin_, project_.id, "a.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sink_.Types(), std::vector<std::string>{"doc:deleted"});
  EXPECT_EQ(sync_.docs().Delete(admin_, project_.id, "a.md").code(), ErrorCode::kNotFound);
  // Recreating starts a fresh history.
  EXPECT_EQ(Put("a.md", "new").doc.version, 1);
}

TEST_F(DocServiceTest, DeleteHonoursTheExpectedVersion) {
  Put("a.md", "one");
  Put("a.md", "two");
  EXPECT_EQ(sync_.docs().Delete(admin_, project_.id, "a.md", {.expected_version = 1}).code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(Get("a.md").version, 2);
}

TEST_F(DocServiceTest, ListReturnsDocsSortedByFileName) {
  Put("b.md", "b");
  Put("a/z.md", "z");
  Put("A.md", "A");
  auto docs = sync_.docs().List(admin_, project_.id);
  ASSERT_TRUE(docs.has_value());
  std::vector<std::string> names;
  for (const auto& d : *docs) names.push_back(d.file_name);
  EXPECT_EQ(names, (std::vector<std::string>{"A.md", "a/z.md", "b.md"}));
}

TEST_F(DocServiceTest, RejectsBadNamesBadTextAndOversizedContent) {
  EXPECT_EQ(sync_.docs().Put(admin_, project_.id, "../x.md", "x").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.docs().Put(admin_, project_.id, "a.md", "bad \xff").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.docs().Put(admin_, project_.id, "a.md", std::string("nul\0", 4)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(sync_.docs().Put(admin_, project_.id, "a.md", std::string(1024 * 1024 + 1, 'x')).error().code(),
            ErrorCode::kTooLarge);
  EXPECT_TRUE(sync_.docs().Put(admin_, project_.id, "a.md", std::string(1024 * 1024, 'x')).has_value());
  EXPECT_EQ(sync_.docs().Put(admin_, "no-such-project", "a.md", "x").error().code(), ErrorCode::kNotFound);
}

TEST_F(DocServiceTest, ReadKeysReadAndWriteKeysWrite) {
  Put("a.md", "one");
  Caller reader = KeyCaller(project_.id, KeyScope::kRead);
  Caller writer = KeyCaller(project_.id, KeyScope::kWrite, "ci");
  EXPECT_EQ(sync_.docs().Get(reader, project_.id, "a.md")->content, "one");
  EXPECT_EQ(sync_.docs().Put(reader, project_.id, "a.md", "two").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.docs().Delete(reader, project_.id, "a.md").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(sync_.docs().Revert(reader, project_.id, "a.md", 1).error().code(), ErrorCode::kPermissionDenied);
  auto written = sync_.docs().Put(writer, project_.id, "a.md", "two");
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->doc.updated_by, "ci");
}

TEST_F(DocServiceTest, KeysOfOneProjectCannotSeeAnother) {
  ProjectView other = CreateProject("other");
  ASSERT_TRUE(sync_.docs().Put(admin_, other.id, "secret.md", "s").has_value());
  Caller writer = KeyCaller(project_.id, KeyScope::kWrite);
  EXPECT_EQ(sync_.docs().Get(writer, other.id, "secret.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.docs().List(writer, other.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.docs().Put(writer, other.id, "secret.md", "x").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.docs().History(writer, other.id, "secret.md").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(sync_.docs().Get(admin_, other.id, "secret.md")->content, "s");
}

TEST_F(DocServiceTest, WritesPublishEventsWithIncreasingSeqs) {
  Put("a.md", "one");
  Put("b.md", "two");
  Put("a.md", "three");
  auto events = sink_.Events();
  ASSERT_EQ(events.size(), 3u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].type, "doc:updated");
    EXPECT_EQ(events[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(events[i].project_id, project_.id);
  }
  EXPECT_NE(events[2].payload.find("\"fileName\":\"a.md\",\"version\":2"), std::string::npos)
      << events[2].payload;
}

TEST_F(DocServiceTest, GetWithKeyAnswersAsAuthenticateThenGet) {
  Put("guide.md", "# Guide\n");
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  auto doc = sync_.docs().GetWithKeyInOneTransaction(created->plain_key, project_.id, "guide.md");
  ASSERT_TRUE(doc.has_value()) << doc.error();
  EXPECT_EQ(doc->content, "# Guide\n");
  EXPECT_EQ(doc->version, 1);
  EXPECT_EQ((*sync_.keys().List(admin_, project_.id))[0].last_used_at, clock_.Now()) << "use is recorded";

  auto missing = sync_.docs().GetWithKeyInOneTransaction(created->plain_key, project_.id, "other.md");
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto bad_name = sync_.docs().GetWithKeyInOneTransaction(created->plain_key, project_.id, "../etc/passwd");
  EXPECT_EQ(bad_name.error().code(), ErrorCode::kInvalidArgument);
  const ProjectView other = CreateProject("other");
  auto elsewhere = sync_.docs().GetWithKeyInOneTransaction(created->plain_key, other.id, "guide.md");
  EXPECT_EQ(elsewhere.error().code(), ErrorCode::kNotFound) << "another project's ids cannot be probed";
}

TEST_F(DocServiceTest, GetWithKeyRefusesUnknownMalformedAndRevokedKeysFirst) {
  Put("guide.md", "# Guide\n");
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  std::string unknown = created->plain_key;
  unknown.back() = unknown.back() == 'a' ? 'b' : 'a';
  ASSERT_TRUE(sync_.keys().Revoke(admin_, created->key.id).ok());
  for (const std::string& bad : {std::string("nonsense"), unknown, created->plain_key}) {
    // A bad key is refused before the name is looked at, as Authenticate then Get would.
    for (const char* name : {"guide.md", "../etc/passwd"}) {
      auto r = sync_.docs().GetWithKeyInOneTransaction(bad, project_.id, name);
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
      EXPECT_EQ(r.error().message(), "invalid or revoked API key");
    }
  }
}

/// Counts the transactions its wrapped store runs.
class CountingStore final : public Store {
 public:
  explicit CountingStore(Store& inner) : inner_(inner) {}
  Status Transact(TxMode mode, const Work& work) override {
    ++(mode == TxMode::kRead ? reads : writes);
    return inner_.Transact(mode, work);
  }
  std::string_view Kind() const noexcept override { return inner_.Kind(); }
  int reads = 0;
  int writes = 0;

 private:
  Store& inner_;
};

TEST_F(DocServiceTest, GetWithKeyVisitsTheStoreOnce) {
  Put("guide.md", "# Guide\n");
  auto created = sync_.keys().Create(admin_, project_.id, "laptop");
  ASSERT_TRUE(sync_.keys().Authenticate(created->plain_key).has_value());  // lastUsedAt is fresh now
  CountingStore counting(store_);
  SyncService sync(counting, clock_, SystemRandom(), *box_, sink_);
  ASSERT_TRUE(sync.docs().GetWithKeyInOneTransaction(created->plain_key, project_.id, "guide.md").has_value());
  EXPECT_EQ(counting.reads, 1);
  EXPECT_EQ(counting.writes, 0);
}

}  // namespace
}  // namespace libsync
