#pragma once
// Incremental SHA-256 and SHA-1 through OpenSSL's low-level digest functions. They are
// deprecated in OpenSSL 3 in favour of EVP, but EVP's per-call context setup costs twice
// the hash itself for the short inputs hashed on every lock and key check (a 67-byte
// token: ~80 ns low-level, ~170 ns through EVP); the compression code is the same.

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/sha.h>

#include <string>
#include <string_view>

namespace libsync::detail {

enum class DigestAlgorithm { kSha256, kSha1 };

inline constexpr std::size_t kSha256Bytes = SHA256_DIGEST_LENGTH;

class Digest {
 public:
  explicit Digest(DigestAlgorithm algorithm);
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void Update(std::string_view data);
  /// Lowercase hex of the digest; the Digest must not be used afterwards.
  std::string FinishHex();
  /// The same, written to `out` (room for 2 * kSha256Bytes); returns the length written.
  std::size_t FinishHexTo(char* out) noexcept;

 private:
  DigestAlgorithm algorithm_;
  union {
    SHA256_CTX sha256_;
    SHA_CTX sha1_;
  };
};

}  // namespace libsync::detail
