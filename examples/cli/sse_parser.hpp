#pragma once
// Incremental parser for a Server-Sent Events stream (the WHATWG format: "field: value"
// lines, events ended by a blank line, ':' comments as heartbeats).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aitk {

struct SseEvent {
  std::int64_t id = 0;
  std::string type = "message";
  std::string data;
};

class SseParser {
 public:
  /// Consumes the next bytes of the stream; returns the events they completed.
  std::vector<SseEvent> Feed(std::string_view bytes);

 private:
  void Line(std::string_view line, std::vector<SseEvent>& out);
  std::string pending_;  // an incomplete line
  SseEvent current_;
  bool has_data_ = false;
};

}  // namespace aitk
