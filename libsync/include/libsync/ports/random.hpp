#pragma once
// Random port: the source of ids, lock tokens and API keys. The production implementation
// is a CSPRNG; tests may inject a seeded one.

#include <cstddef>
#include <span>

namespace libsync {

/// Implementations must be safe to call from any thread.
class Random {
 public:
  virtual ~Random() = default;
  /// Fills `out` with unpredictable bytes. Never fails: an implementation that cannot
  /// produce secure bytes aborts rather than hand out guessable tokens.
  virtual void Fill(std::span<unsigned char> out) = 0;
};

/// Cryptographically secure bytes from OpenSSL's DRBG (seeded by the OS). Fork-safe.
Random& SystemRandom();

}  // namespace libsync
