// The process-wide default implementations of the Clock, Random and EventSink ports.

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "libsync/ports/clock.hpp"
#include "libsync/ports/event_sink.hpp"
#include "libsync/ports/random.hpp"

namespace libsync {
namespace {

class RealClock final : public Clock {
 public:
  Timestamp Now() override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

// Bumped in every child after fork(), so a buffer inherited from the parent is never
// served again: parent and child must not hand out the same tokens.
std::atomic<unsigned> fork_generation{0};

void OnForkChild() { fork_generation.fetch_add(1); }

void FillFromOpenSsl(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

// OpenSSL 3's public DRBG (seeded by the OS, reseeded after fork) costs ~0.8 us per call
// whatever the size, which would dominate a lock grant. Each thread therefore draws 4 KiB
// at a time and serves small requests from it, wiping what it hands out.
class OpenSslRandom final : public Random {
 public:
  OpenSslRandom() { pthread_atfork(nullptr, nullptr, &OnForkChild); }

  void Fill(std::span<unsigned char> out) override {
    if (out.size() > kBufferBytes / 4) {
      FillFromOpenSsl(out.data(), out.size());
      return;
    }
    thread_local Buffer buffer;
    const unsigned generation = fork_generation.load(std::memory_order_relaxed);
    if (buffer.generation != generation || buffer.used + out.size() > kBufferBytes) {
      FillFromOpenSsl(buffer.bytes.data(), kBufferBytes);
      buffer.used = 0;
      buffer.generation = generation;
    }
    unsigned char* from = buffer.bytes.data() + buffer.used;
    std::memcpy(out.data(), from, out.size());
    OPENSSL_cleanse(from, out.size());
    buffer.used += out.size();
  }

 private:
  static constexpr std::size_t kBufferBytes = 4096;
  struct Buffer {
    std::array<unsigned char, kBufferBytes> bytes{};
    std::size_t used = kBufferBytes;  // empty until first use
    unsigned generation = 0;
  };
};

class DiscardingSink final : public EventSink {
 public:
  void Publish(std::span<const Event>) noexcept override {}
};

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

Random& SystemRandom() {
  static OpenSslRandom random;
  return random;
}

EventSink& NullEventSink() {
  static DiscardingSink sink;
  return sink;
}

}  // namespace libsync
