#include "memory_event_log.hpp"

#include <algorithm>

namespace libsync::detail {
namespace {

// Small retentions (tests) drop exactly; large ones in runs of 1/64, at most 256 events.
std::size_t ChunkSize(std::size_t retention) {
  return std::clamp<std::size_t>(retention / 64, 1, 256);
}

}  // namespace

std::int64_t MemoryEventLog::Append(std::string_view type, std::string_view payload, Timestamp at,
                                    std::size_t retention, Undo& undo) {
  const std::size_t chunk_size = ChunkSize(retention);
  undo = {};
  if (chunks_.empty() || chunks_.back().entries.size() >= chunk_size) {
    Chunk& opened = chunks_.emplace_back();
    opened.first_seq = head_seq_ + 1;
    opened.entries.reserve(chunk_size);
    undo.opened_chunk = true;
  }
  Chunk& chunk = chunks_.back();
  // What can throw comes first, so a failed append leaves the log as it was (at most
  // with an empty newest chunk, which the next append fills).
  chunk.bytes.reserve(chunk.bytes.size() + type.size() + payload.size());
  chunk.entries.push_back({chunk.bytes.size(), static_cast<std::uint32_t>(type.size()),
                           static_cast<std::uint32_t>(payload.size()), at});
  chunk.bytes.append(type);
  chunk.bytes.append(payload);
  ++size_;
  ++head_seq_;
  if (chunks_.size() > 1 && size_ - chunks_.front().entries.size() >= retention) {
    size_ -= chunks_.front().entries.size();
    undo.dropped = std::move(chunks_.front());
    chunks_.pop_front();
  }
  return head_seq_;
}

void MemoryEventLog::Revert(Undo& undo) {
  if (undo.dropped) {
    size_ += undo.dropped->entries.size();
    chunks_.push_front(std::move(*undo.dropped));
  }
  Chunk& chunk = chunks_.back();
  chunk.bytes.resize(chunk.entries.back().offset);
  chunk.entries.pop_back();
  --size_;
  --head_seq_;
  if (undo.opened_chunk) chunks_.pop_back();
}

std::int64_t MemoryEventLog::oldest_seq() const noexcept {
  return chunks_.empty() ? head_seq_ + 1 : chunks_.front().first_seq;
}

std::vector<Event> MemoryEventLog::Read(std::string_view project_id, std::int64_t after_seq,
                                        std::size_t limit) const {
  std::vector<Event> out;
  for (const Chunk& chunk : chunks_) {
    if (out.size() >= limit) break;
    const std::int64_t last_seq = chunk.first_seq + static_cast<std::int64_t>(chunk.entries.size()) - 1;
    if (last_seq <= after_seq) continue;
    const auto start = static_cast<std::size_t>(std::max<std::int64_t>(0, after_seq + 1 - chunk.first_seq));
    for (std::size_t i = start; i < chunk.entries.size() && out.size() < limit; ++i) {
      const Chunk::Entry& e = chunk.entries[i];
      const std::string_view bytes(chunk.bytes);
      out.push_back(Event{std::string(project_id), chunk.first_seq + static_cast<std::int64_t>(i),
                          std::string(bytes.substr(e.offset, e.type_size)),
                          std::string(bytes.substr(e.offset + e.type_size, e.payload_size)), e.created_at});
    }
  }
  return out;
}

}  // namespace libsync::detail
