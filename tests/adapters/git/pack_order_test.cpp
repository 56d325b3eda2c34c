// PackOrder reads git's own pack indexes: the order it gives must be the order of the
// offsets `git show-index` lists, with what no pack holds after it.

#include "pack_order.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../sql/temp_dir.hpp"
#include "git_fixture.hpp"

namespace libsync::git {
namespace {

using testing::Shell;

/// A bare repository whose one pack holds `files` alike texts (mostly deltas, as
/// `git fast-import` writes them; below 100 objects it would leave them loose), committed
/// in name order; `tag` sets its texts apart
/// from another repository's.
std::string MakePackedRepository(const std::string& root, int files, const std::string& tag = "") {
  const std::string bare = root + "/repo.git";
  Shell("git init -q --bare -b main " + bare);
  std::string stream = "commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 1\nc\n";
  for (int i = 0; i < files; ++i) {
    std::string text = "# Doc " + tag + std::to_string(i) + "\n";
    while (text.size() < 2000) text += "A line that every doc shares, " + std::to_string(text.size()) + ".\n";
    stream += "M 100644 inline f" + std::to_string(i) + ".md\ndata " + std::to_string(text.size()) + "\n" + text + "\n";
  }
  std::ofstream(root + "/stream", std::ios::binary) << stream;
  Shell("git -C " + bare + " fast-import --quiet < " + root + "/stream");
  return bare;
}

/// Every packed object's offset, as git lists it.
std::map<std::string, unsigned long long> Offsets(const std::string& bare) {
  std::map<std::string, unsigned long long> offsets;
  for (const auto& entry : std::filesystem::directory_iterator(bare + "/objects/pack")) {
    if (entry.path().extension() != ".idx") continue;
    std::istringstream lines(Shell("git show-index < " + entry.path().string()));
    unsigned long long offset;
    std::string id, crc;
    while (lines >> offset >> id >> crc) offsets[id] = offset;
  }
  return offsets;
}

/// The blob ids of main's tree, in the tree's (name) order.
std::vector<std::string> TreeBlobs(const std::string& bare) {
  std::istringstream lines(Shell("git -C " + bare + " ls-tree main"));
  std::vector<std::string> ids;
  for (std::string mode, type, id, name; lines >> mode >> type >> id >> name;) ids.push_back(id);
  return ids;
}

TEST(PackOrder, PackedObjectsComeInTheirPacksOrderAndTheRestAfterInTheGivenOrder) {
  testing::TempDir dir;
  const std::string bare = MakePackedRepository(dir.path(), 300);
  const auto offsets = Offsets(bare);
  std::vector<std::string> ids = TreeBlobs(bare);
  ASSERT_EQ(ids.size(), 300u);
  std::reverse(ids.begin(), ids.end());
  const std::string loose = Shell("echo loose | git -C " + bare + " hash-object -w --stdin").substr(0, 40);
  const std::string missing(40, 'e');
  ids.insert(ids.begin() + 100, loose);  // among the packed ones
  ids.push_back(missing);
  ids.push_back("not an id");

  const std::vector<std::size_t> order = PackOrder({bare + "/objects"}, ids);

  ASSERT_EQ(order.size(), ids.size());
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i) << "not a permutation";
  for (std::size_t k = 0; k < 300; ++k) {
    ASSERT_TRUE(offsets.count(ids[order[k]])) << "position " << k << " holds an object in no pack";
    if (k) {
      EXPECT_LT(offsets.at(ids[order[k - 1]]), offsets.at(ids[order[k]])) << "at position " << k;
    }
  }
  EXPECT_EQ(ids[order[300]], loose);
  EXPECT_EQ(ids[order[301]], missing);
  EXPECT_EQ(ids[order[302]], "not an id");
}

TEST(PackOrder, ObjectsOfTwoFoldersComePackByPackAndADamagedIndexOrAFifoIsPassedOver) {
  testing::TempDir dir;
  const std::string first = MakePackedRepository(dir.path() + "/a", 120, "a");
  const std::string second = MakePackedRepository(dir.path() + "/b", 150, "b");
  // A third folder whose index is cut short: its objects cannot be placed.
  std::filesystem::create_directories(dir.path() + "/c/objects/pack");
  for (const auto& entry : std::filesystem::directory_iterator(second + "/objects/pack")) {
    if (entry.path().extension() != ".idx") continue;
    std::filesystem::copy_file(entry.path(), dir.path() + "/c/objects/pack/" + entry.path().filename().string());
    std::filesystem::resize_file(dir.path() + "/c/objects/pack/" + entry.path().filename().string(), 1500);
  }
  std::vector<std::string> ids = TreeBlobs(second);
  const std::vector<std::string> of_first = TreeBlobs(first);
  ids.insert(ids.end(), of_first.begin(), of_first.end());

  const auto from_both = PackOrder({first + "/objects", second + "/objects"}, ids);
  const auto first_offsets = Offsets(first);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    EXPECT_EQ(first_offsets.count(ids[from_both[k]]), k < of_first.size() ? 1u : 0u) << "at position " << k;
  }

  // And a FIFO named like an index beside it: opening it must not wait for a writer.
  ASSERT_EQ(mkfifo((dir.path() + "/c/objects/pack/pack-fifo.idx").c_str(), 0600), 0);
  const auto from_damaged = PackOrder({dir.path() + "/c/objects"}, ids);
  for (std::size_t k = 0; k < ids.size(); ++k) EXPECT_EQ(from_damaged[k], k) << "the given order is kept";
}

void AppendBe32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(value >> shift & 0xff);
}

// An index written by hand, to reach what git writes only for packs over 2 GiB: an offset
// whose top bit sends the reader to the table of 64-bit offsets, and one that points past it.
TEST(PackOrder, OffsetsPastTwoGibibytesAreReadFromTheirOwnTableAndOnesPastItAreNotTrusted) {
  testing::TempDir dir;
  const std::string objects = dir.path() + "/objects";
  std::filesystem::create_directories(objects + "/pack");
  // Sorted ids 11…, 22…, 33…, 44…, 55… at offsets 300, the 64-bit table's entry 0 (8 GiB),
  // 100, its entry 1 (4 GiB), and its entry 7, which does not exist. Read as they stand,
  // the two table references would put 22… before 44….
  const unsigned char first_bytes[] = {0x11, 0x22, 0x33, 0x44, 0x55};
  const std::uint32_t offsets[] = {300, 0x80000000u, 100, 0x80000001u, 0x80000007u};
  std::string index("\377tOc\0\0\0\2", 8);
  for (int byte = 0; byte < 256; ++byte) {
    AppendBe32(index, static_cast<std::uint32_t>(std::count_if(std::begin(first_bytes), std::end(first_bytes),
                                                                [&](unsigned char b) { return b <= byte; })));
  }
  for (unsigned char b : first_bytes) index += std::string(20, static_cast<char>(b));
  index += std::string(4 * std::size(first_bytes), '\0');  // CRCs
  for (std::uint32_t offset : offsets) AppendBe32(index, offset);
  for (std::uint32_t word : {2u, 0u, 1u, 0u}) AppendBe32(index, word);  // 8 GiB, 4 GiB
  index += std::string(40, '\0');  // the pack's and the index's checksums
  std::ofstream(objects + "/pack/pack-hand.idx", std::ios::binary) << index;

  const auto id = [](char hex) { return std::string(40, hex); };
  const std::vector<std::string> ids = {id('1'), id('2'), id('3'), id('4'), id('5'), id('6')};
  const std::vector<std::size_t> order = PackOrder({objects}, ids);
  // 33… (100), 11… (300), 44… (4 GiB), 22… (8 GiB); then 55… (its offset unreadable) and
  // 66… (absent), in their given order.
  EXPECT_EQ(order, (std::vector<std::size_t>{2, 0, 3, 1, 4, 5}));
}

// Pack indexes come from git or libgit2, but a folder may hold a damaged one: whatever its
// bytes say, the answer is an order of the ids given, found by reading inside the file.
TEST(PackOrder, IndexesWithBytesChangedAtRandomStillGiveAnOrderOfTheIds) {
  testing::TempDir dir;
  const std::string bare = MakePackedRepository(dir.path(), 150);
  std::string index;
  for (const auto& entry : std::filesystem::directory_iterator(bare + "/objects/pack")) {
    if (entry.path().extension() != ".idx") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    index.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(index.size(), 1032u);
  std::vector<std::string> ids = TreeBlobs(bare);
  const std::string damaged = dir.path() + "/damaged/objects";
  std::filesystem::create_directories(damaged + "/pack");
  std::mt19937 rng(20261130);
  for (int round = 0; round < 300; ++round) {
    std::string bytes = index;
    for (int k = 0; k < 4; ++k) {
      // Half aimed at the fan-out table, which bounds every search; half anywhere.
      const std::size_t at = rng() % 2 ? 8 + rng() % 1024 : rng() % bytes.size();
      bytes[at] = static_cast<char>(rng());
    }
    if (round % 10 == 0) bytes.resize(rng() % bytes.size());
    std::ofstream(damaged + "/pack/pack-x.idx", std::ios::binary | std::ios::trunc) << bytes;
    std::vector<std::size_t> order = PackOrder({damaged}, ids);
    ASSERT_EQ(order.size(), ids.size()) << "round " << round;
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], i) << "round " << round;
  }
}

}  // namespace
}  // namespace libsync::git
