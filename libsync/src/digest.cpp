#include "digest.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "encoding.hpp"

namespace libsync::detail {
namespace {

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

const EVP_MD* Algorithm(DigestAlgorithm a) {
  // Explicit fetches avoid a provider lookup on every EVP_DigestInit_ex2.
  static const std::unique_ptr<EVP_MD, MdDeleter> sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  static const std::unique_ptr<EVP_MD, MdDeleter> sha1(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  const EVP_MD* md = a == DigestAlgorithm::kSha256 ? sha256.get() : sha1.get();
  if (md == nullptr) std::abort();  // OpenSSL without its default provider cannot hash at all
  return md;
}

EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) std::abort();
  return ctx.get();
}

}  // namespace

Digest::Digest(DigestAlgorithm algorithm) : ctx_(ThreadContext()) {
  if (EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), Algorithm(algorithm), nullptr) != 1) {
    std::abort();
  }
}

void Digest::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Digest::FinishHex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &len);
  return HexEncode({out, len});
}

}  // namespace libsync::detail
