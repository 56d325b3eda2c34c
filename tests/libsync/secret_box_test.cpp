#include "libsync/aes_gcm_secret_box.hpp"

#include <gtest/gtest.h>

namespace libsync {
namespace {

std::unique_ptr<SecretBox> Box(std::vector<SecretKey> keys) {
  auto box = MakeAesGcmSecretBox(std::move(keys));
  EXPECT_TRUE(box.has_value()) << box.error().ToString();
  return std::move(box).value();
}

TEST(AesGcmSecretBox, SealsAndOpens) {
  auto box = Box({GenerateSecretKey("k1")});
  auto sealed = box->Seal("ghp_token123", "project-a");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->rfind("v1:k1:", 0), 0u);
  EXPECT_EQ(sealed->find("ghp_token123"), std::string::npos);
  auto opened = box->Open(*sealed, "project-a");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, "ghp_token123");
}

TEST(AesGcmSecretBox, UsesAFreshNonceEveryTime) {
  auto box = Box({GenerateSecretKey("k1")});
  EXPECT_NE(box->Seal("same", "p").value(), box->Seal("same", "p").value());
}

TEST(AesGcmSecretBox, DetectsTamperingAnywhere) {
  auto box = Box({GenerateSecretKey("k1")});
  const std::string sealed = box->Seal("ghp_token123", "p").value();
  const std::size_t body = sealed.rfind(':') + 1;
  // Flip one base64 character in each position of the body: nonce, ciphertext and tag.
  for (std::size_t i = body; i + 2 < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    auto opened = box->Open(tampered, "p");
    ASSERT_FALSE(opened.has_value()) << "position " << i;
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(AesGcmSecretBox, BindsTheAssociatedData) {
  auto box = Box({GenerateSecretKey("k1")});
  const std::string sealed = box->Seal("ghp_token123", "project-a").value();
  EXPECT_EQ(box->Open(sealed, "project-b").error().code(), ErrorCode::kInvalidArgument);
}

TEST(AesGcmSecretBox, RotatesKeys) {
  const SecretKey old_key = GenerateSecretKey("old");
  const SecretKey new_key = GenerateSecretKey("new");
  auto before = Box({old_key});
  const std::string sealed_old = before->Seal("token", "p").value();

  auto after = Box({new_key, old_key});  // new current, old retired
  EXPECT_EQ(after->Open(sealed_old, "p").value(), "token");
  const std::string sealed_new = after->Seal("token", "p").value();
  EXPECT_EQ(sealed_new.rfind("v1:new:", 0), 0u);

  auto without_old = Box({new_key});
  auto missing = without_old->Open(sealed_old, "p");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST(AesGcmSecretBox, RejectsMalformedSealedText) {
  auto box = Box({GenerateSecretKey("k1")});
  for (const char* bad : {"", "v1", "v1:k1", "v2:k1:AAAA", "v1:k1:not base64!", "v1:k1:AAAA"}) {
    EXPECT_EQ(box->Open(bad, "p").error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(AesGcmSecretBox, RefusesBadKeys) {
  EXPECT_FALSE(MakeAesGcmSecretBox({}).has_value());
  EXPECT_FALSE(MakeAesGcmSecretBox({{"k1", "short"}}).has_value());
  EXPECT_FALSE(MakeAesGcmSecretBox({{"bad id!", std::string(32, 'x')}}).has_value());
  EXPECT_FALSE(MakeAesGcmSecretBox({{"k", std::string(32, 'x')}, {"k", std::string(32, 'y')}}).has_value());
}

TEST(ParseSecretKeys, ReadsAKeyFileFirstKeyCurrent) {
  const SecretKey a = GenerateSecretKey("a");
  const SecretKey b = GenerateSecretKey("b");
  auto keys = ParseSecretKeys("# keys\n" + FormatSecretKey(a) + "\n\n  " + FormatSecretKey(b) + "\r\n");
  ASSERT_TRUE(keys.has_value());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "a");
  EXPECT_EQ((*keys)[0].bytes, a.bytes);
  EXPECT_EQ((*keys)[1].bytes, b.bytes);
}

TEST(ParseSecretKeys, ReportsTheLineWithoutEchoingKeyMaterial) {
  auto keys = ParseSecretKeys("good:" + std::string(64, 'a') + "\nbad:deadbeefcafe\n");
  ASSERT_FALSE(keys.has_value());
  EXPECT_NE(keys.error().message().find("line 2"), std::string::npos);
  EXPECT_EQ(keys.error().message().find("deadbeef"), std::string::npos);
  EXPECT_FALSE(ParseSecretKeys("# nothing\n").has_value());
}

}  // namespace
}  // namespace libsync
