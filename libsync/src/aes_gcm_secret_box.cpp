#include "libsync/aes_gcm_secret_box.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "encoding.hpp"

namespace libsync {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kFormatVersion = "v1";

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

bool IsValidKeyId(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

class AesGcmSecretBox final : public SecretBox {
 public:
  AesGcmSecretBox(std::vector<SecretKey> keys, Random& random)
      : current_id_(keys.front().id), random_(random) {
    for (auto& k : keys) keys_.emplace(k.id, std::move(k.bytes));
  }

  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) override {
    const std::string& key = keys_.at(current_id_);
    std::array<unsigned char, kNonceBytes> nonce{};
    random_.Fill(nonce);

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    std::string body(kNonceBytes + plaintext.size() + kTagBytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(body.data());
    std::copy(nonce.begin(), nonce.end(), out);
    int len = 0;
    if (!ctx ||
        EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), Bytes(key), nonce.data(), nullptr) != 1 ||
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_EncryptUpdate(ctx.get(), out + kNonceBytes, &len, Bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out + kNonceBytes + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            out + kNonceBytes + plaintext.size()) != 1) {
      return Status::Internal("AES-GCM encryption failed", "openssl");
    }
    std::string sealed(kFormatVersion);
    sealed.append(":").append(current_id_).append(":");
    sealed += detail::Base64Encode(detail::AsBytes(body));
    return sealed;
  }

  Result<std::string> Open(std::string_view sealed, std::string_view aad) override {
    const auto malformed = [] { return Status::InvalidArgument("sealed secret is malformed"); };
    const std::size_t first = sealed.find(':');
    const std::size_t second = first == std::string_view::npos ? first : sealed.find(':', first + 1);
    if (second == std::string_view::npos || sealed.substr(0, first) != kFormatVersion) {
      return malformed();
    }
    const std::string key_id(sealed.substr(first + 1, second - first - 1));
    const auto key = keys_.find(key_id);
    if (key == keys_.end()) {
      return Status::NotFound("secret was sealed with key '" + key_id + "', which is not configured");
    }
    const auto body = detail::Base64Decode(sealed.substr(second + 1));
    if (!body || body->size() < kNonceBytes + kTagBytes) return malformed();

    const std::size_t text_len = body->size() - kNonceBytes - kTagBytes;
    const auto* in = Bytes(*body);
    std::array<unsigned char, kTagBytes> tag{};
    std::copy_n(in + kNonceBytes + text_len, kTagBytes, tag.begin());
    std::string plain(text_len, '\0');
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    if (!ctx ||
        EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), Bytes(key->second), in, nullptr) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) != 1 ||
        EVP_DecryptUpdate(ctx.get(), out, &len, in + kNonceBytes, static_cast<int>(text_len)) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), out + len, &len) != 1) {
      return Status::InvalidArgument("sealed secret failed authentication");
    }
    return plain;
  }

 private:
  std::string current_id_;
  std::map<std::string, std::string> keys_;
  Random& random_;
};

}  // namespace

Result<std::unique_ptr<SecretBox>> MakeAesGcmSecretBox(std::vector<SecretKey> keys,
                                                       Random& random) {
  if (keys.empty()) return Status::InvalidArgument("at least one encryption key is required");
  std::map<std::string, bool> seen;
  for (const auto& k : keys) {
    if (!IsValidKeyId(k.id)) {
      return Status::InvalidArgument("encryption key id must be 1-32 of [A-Za-z0-9_-]");
    }
    if (k.bytes.size() != kKeyBytes) {
      return Status::InvalidArgument("encryption key '" + k.id + "' is not 32 bytes");
    }
    if (!seen.emplace(k.id, true).second) {
      return Status::InvalidArgument("encryption key id '" + k.id + "' appears twice");
    }
  }
  return std::unique_ptr<SecretBox>(new AesGcmSecretBox(std::move(keys), random));
}

Result<std::vector<SecretKey>> ParseSecretKeys(std::string_view text) {
  std::vector<SecretKey> keys;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t colon = line.find(':');
    const auto bad = [&](const char* why) {
      return Status::InvalidArgument("key file line " + std::to_string(line_no) + ": " + why);
    };
    if (colon == std::string_view::npos) return bad("expected '<id>:<64 hex digits>'");
    const std::string_view id = line.substr(0, colon);
    if (!IsValidKeyId(id)) return bad("key id must be 1-32 of [A-Za-z0-9_-]");
    auto bytes = detail::HexDecode(line.substr(colon + 1));
    if (!bytes || bytes->size() != kKeyBytes) return bad("key must be 64 hex digits (32 bytes)");
    keys.push_back({std::string(id), std::move(*bytes)});
  }
  if (keys.empty()) return Status::InvalidArgument("key file holds no key");
  return keys;
}

SecretKey GenerateSecretKey(std::string id, Random& random) {
  std::string bytes(kKeyBytes, '\0');
  random.Fill({reinterpret_cast<unsigned char*>(bytes.data()), bytes.size()});
  return {std::move(id), std::move(bytes)};
}

std::string FormatSecretKey(const SecretKey& key) {
  return key.id + ":" + detail::HexEncode(detail::AsBytes(key.bytes));
}

}  // namespace libsync
