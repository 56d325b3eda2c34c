#pragma once
// Incremental message digests over OpenSSL EVP, with the algorithm fetched once per
// process and the context reused per thread (hashing sits on every lock and key check).

#include <string>
#include <string_view>

namespace libsync::detail {

enum class DigestAlgorithm { kSha256, kSha1 };

class Digest {
 public:
  explicit Digest(DigestAlgorithm algorithm);
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void Update(std::string_view data);
  /// Lowercase hex of the digest; the Digest must not be used afterwards.
  std::string FinishHex();

 private:
  void* ctx_;  // EVP_MD_CTX*, owned by the thread, not by this object
};

}  // namespace libsync::detail
