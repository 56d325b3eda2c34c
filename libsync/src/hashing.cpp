#include "libsync/hashing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <vector>

#include "digest.hpp"

namespace libsync {

std::string Sha256Hex(std::string_view data) {
  detail::Digest digest(detail::DigestAlgorithm::kSha256);
  digest.Update(data);
  return digest.FinishHex();
}

std::string ProjectDocsHash(std::span<const DocSummary> docs) {
  std::vector<const DocSummary*> sorted;
  sorted.reserve(docs.size());
  for (const auto& d : docs) sorted.push_back(&d);
  std::sort(sorted.begin(), sorted.end(),
            [](const DocSummary* a, const DocSummary* b) { return a->file_name < b->file_name; });
  detail::Digest digest(detail::DigestAlgorithm::kSha256);
  for (const DocSummary* d : sorted) {
    digest.Update(d->file_name);
    digest.Update("\t");
    digest.Update(d->hash);
    digest.Update("\n");
  }
  return digest.FinishHex();
}

std::string GitBlobId(std::string_view content) {
  detail::Digest digest(detail::DigestAlgorithm::kSha1);
  const std::string header = "blob " + std::to_string(content.size());
  digest.Update(std::string_view(header.data(), header.size() + 1));  // includes the NUL
  digest.Update(content);
  return digest.FinishHex();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  // The volatile read keeps the compiler from turning the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[mac[i] >> 4];
    out[2 * i + 1] = kHex[mac[i] & 0x0f];
  }
  return out;
}

}  // namespace libsync
