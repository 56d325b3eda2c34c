#include "pack_order.hpp"

#include <git2.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <tuple>
#include <utility>

#include "oid_text.hpp"

namespace libsync::git {
namespace {

constexpr std::size_t kIdSize = GIT_OID_RAWSZ;

std::uint32_t Be32(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

/// A version 2 pack index, mapped read-only (gitformat-pack(5)): a header, 256 fan-out
/// counts, the sorted ids, their CRCs, their 31-bit offsets, then 64-bit offsets for the
/// entries whose top bit points there.
class PackIndex {
 public:
  static std::optional<PackIndex> Open(const std::string& path) {
    // Not blocking: a FIFO named like an index would otherwise wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    void* map = MAP_FAILED;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    }
    ::close(fd);
    if (map == MAP_FAILED) return std::nullopt;
    PackIndex index(static_cast<const unsigned char*>(map), static_cast<std::size_t>(st.st_size));
    if (!index.ReadHeader()) return std::nullopt;
    return index;
  }

  PackIndex(PackIndex&& other) noexcept : data_(std::exchange(other.data_, nullptr)), size_(other.size_), count_(other.count_) {}
  PackIndex& operator=(PackIndex&&) = delete;
  ~PackIndex() {
    if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
  }

  /// Where the object lies in its pack, when this index lists it.
  std::optional<std::uint64_t> OffsetOf(const git_oid& id) const {
    const unsigned char lead = id.id[0];
    const std::size_t first = lead == 0 ? 0 : Fanout(lead - 1), last = Fanout(lead);
    if (first > last || last > count_) return std::nullopt;  // a damaged fan-out table
    const unsigned char* ids = data_ + kIdsAt;
    std::size_t lo = first, hi = last;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      const int order = std::memcmp(ids + mid * kIdSize, id.id, kIdSize);
      if (order == 0) return Offset(mid);
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
    return std::nullopt;
  }

 private:
  static constexpr std::size_t kHeader = 8, kIdsAt = kHeader + 256 * 4, kTrailer = 2 * kIdSize;

  PackIndex(const unsigned char* data, std::size_t size) : data_(data), size_(size) {}

  // Checks the magic and version, and that the file holds as many entries as the fan-out
  // table's last count says (kept in count_); nothing past that is read without a check.
  bool ReadHeader() {
    static constexpr unsigned char kMagic[] = {0xff, 't', 'O', 'c', 0, 0, 0, 2};
    if (size_ < kIdsAt + kTrailer || std::memcmp(data_, kMagic, sizeof kMagic) != 0) return false;
    count_ = Fanout(255);
    return count_ <= (size_ - kIdsAt - kTrailer) / (kIdSize + 4 + 4);
  }

  std::size_t Fanout(int byte) const { return Be32(data_ + kHeader + 4 * static_cast<std::size_t>(byte)); }

  std::optional<std::uint64_t> Offset(std::size_t entry) const {
    const std::size_t offsets_at = kIdsAt + count_ * (kIdSize + 4);
    const std::uint32_t small = Be32(data_ + offsets_at + 4 * entry);
    if (!(small & 0x80000000u)) return small;
    // In 64 bits: eight times a 31-bit index does not fit a 32-bit size_t.
    const std::uint64_t large_at = offsets_at + 4 * std::uint64_t{count_} + 8 * std::uint64_t{small & 0x7fffffffu};
    if (large_at + 8 + kTrailer > size_) return std::nullopt;
    const unsigned char* large = data_ + static_cast<std::size_t>(large_at);
    return std::uint64_t{Be32(large)} << 32 | Be32(large + 4);
  }

  const unsigned char* data_;
  std::size_t size_;
  std::size_t count_ = 0;
};

std::vector<PackIndex> OpenPackIndexes(const std::vector<std::string>& object_dirs) {
  std::vector<PackIndex> indexes;
  for (const auto& dir : object_dirs) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir + "/pack", ec), end; !ec && it != end; it.increment(ec)) {
      const auto& path = it->path();
      if (path.extension() != ".idx") continue;
      if (auto index = PackIndex::Open(path.string())) indexes.push_back(std::move(*index));
    }
  }
  return indexes;
}

}  // namespace

std::vector<std::size_t> PackOrder(const std::vector<std::string>& object_dirs, const std::vector<std::string>& ids) {
  // Fewer than two ids have one order: no index is opened (every import asks, most for
  // none, and a cache fetched from a remote gains a pack per fetch).
  if (ids.size() < 2) return std::vector<std::size_t>(ids.size(), 0);
  const std::vector<PackIndex> indexes = OpenPackIndexes(object_dirs);
  // (pack, offset) for each id; ids in no pack sort after every pack, in their given order.
  constexpr std::uint64_t kNoOffset = 0;
  std::vector<std::tuple<std::size_t, std::uint64_t, std::size_t>> places;
  places.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::size_t pack = indexes.size();
    std::uint64_t offset = kNoOffset;
    if (git_oid raw; ParseOid(ids[i], &raw)) {
      for (std::size_t p = 0; p < indexes.size() && pack == indexes.size(); ++p) {
        if (const auto at = indexes[p].OffsetOf(raw)) {
          pack = p;
          offset = *at;
        }
      }
    }
    places.emplace_back(pack, offset, i);
  }
  std::sort(places.begin(), places.end());
  std::vector<std::size_t> order;
  order.reserve(ids.size());
  for (const auto& place : places) order.push_back(std::get<2>(place));
  return order;
}

}  // namespace libsync::git
