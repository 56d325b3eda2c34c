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
  std::string hex(2 * kSha256Bytes, '\0');
  hex.resize(FinishHexTo(hex.data()));
  return hex;
}

std::size_t Digest::FinishHexTo(char* out) noexcept {
  unsigned char digest[kSha256Bytes];
  std::size_t size = kSha256Bytes;
  if (algorithm_ == DigestAlgorithm::kSha256) {
    SHA256_Final(digest, &sha256_);
  } else {
    SHA1_Final(digest, &sha1_);
    size = SHA_DIGEST_LENGTH;
  }
  return static_cast<std::size_t>(HexEncodeTo(out, std::span<const unsigned char>(digest, size)) - out);
}

}  // namespace libsync::detail
