#include "libsync/hashing.hpp"

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

}  // namespace libsync
