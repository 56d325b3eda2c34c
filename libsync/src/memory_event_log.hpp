#pragma once
// One project's event log in the memory store.
//
// Events are packed into chunks: each chunk holds a run of consecutive seqs, their types
// and payloads in one byte buffer. Appending copies into the newest chunk, and retention
// drops the oldest chunk whole, so an event costs no allocation and no free of its own
// (the oldest event is long out of the CPU's caches; freeing it one by one was a cache
// miss per append). The log therefore keeps between `retention` and retention + 1/64 of
// it events.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libsync/model/event.hpp"

namespace libsync::detail {

class MemoryEventLog {
 public:
  struct Chunk {
    struct Entry {
      std::size_t offset;         // of the type in `bytes`; the payload follows it
      std::uint32_t type_size;
      std::uint32_t payload_size;
      Timestamp created_at;
    };
    std::int64_t first_seq = 0;
    std::vector<Entry> entries;
    std::string bytes;
  };

  /// How to take one Append back.
  struct Undo {
    bool opened_chunk = false;
    std::optional<Chunk> dropped;
  };

  /// Appends with the next seq, then drops the oldest chunk if the rest still holds
  /// `retention` events. Returns the seq; `undo` receives what Revert needs.
  std::int64_t Append(std::string_view type, std::string_view payload, Timestamp at,
                      std::size_t retention, Undo& undo);
  /// Takes back the latest Append (undo records are replayed newest first).
  void Revert(Undo& undo);

  std::int64_t head_seq() const noexcept { return head_seq_; }
  /// The oldest seq still kept; head_seq() + 1 when none is.
  std::int64_t oldest_seq() const noexcept;
  /// Up to `limit` events with seq > `after_seq`, ascending.
  std::vector<Event> Read(std::string_view project_id, std::int64_t after_seq, std::size_t limit) const;

 private:
  std::deque<Chunk> chunks_;  // every chunk but the newest is full
  std::size_t size_ = 0;      // events in all chunks
  std::int64_t head_seq_ = 0;
};

}  // namespace libsync::detail
