#include "digest.hpp"

#include <span>

#include "encoding.hpp"

namespace libsync::detail {

Digest::Digest(DigestAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm_ == DigestAlgorithm::kSha256) {
    SHA256_Init(&sha256_);
  } else {
    SHA1_Init(&sha1_);
  }
}

void Digest::Update(std::string_view data) {
  if (algorithm_ == DigestAlgorithm::kSha256) {
    SHA256_Update(&sha256_, data.data(), data.size());
  } else {
    SHA1_Update(&sha1_, data.data(), data.size());
  }
}

std::string Digest::FinishHex() {
  unsigned char out[SHA256_DIGEST_LENGTH];
  if (algorithm_ == DigestAlgorithm::kSha256) {
    SHA256_Final(out, &sha256_);
    return HexEncode(std::span<const unsigned char>(out, SHA256_DIGEST_LENGTH));
  }
  SHA1_Final(out, &sha1_);
  return HexEncode(std::span<const unsigned char>(out, SHA_DIGEST_LENGTH));
}

}  // namespace libsync::detail
