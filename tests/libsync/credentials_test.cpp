#include "libsync/credentials.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "libsync/hashing.hpp"
#include "libsync/ports/clock.hpp"

namespace libsync {
namespace {

TEST(Credentials, ApiKeysAreSkPlus32RandomBytesAsHex) {
  const std::regex shape("sk_[0-9a-f]{64}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string key = NewApiKey(SystemRandom());
    EXPECT_TRUE(std::regex_match(key, shape)) << key;
    EXPECT_TRUE(seen.insert(key).second) << "repeated key";
  }
}

TEST(Credentials, LockTokensAndIdsAreUnique) {
  std::set<std::string> tokens, ids;
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(tokens.insert(NewLockToken(SystemRandom())).second);
    std::string id = NewId(SystemClock().Now(), SystemRandom());
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    EXPECT_TRUE(ids.insert(id).second);
  }
}

/// The milliseconds a version 7 id carries in its first 48 bits.
std::int64_t IdMilliseconds(const std::string& id) {
  return std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
}

/// The milliseconds and the 12-bit count after the version digit, as one number.
std::int64_t IdStamp(const std::string& id) { return IdMilliseconds(id) << 12 | std::stoll(id.substr(15, 3), nullptr, 16); }

// Ids go to the end of the indexes on them: those one process makes increase, as text,
// from any number of threads, and carry the time they were made for.
TEST(Credentials, IdsIncreaseInTheOrderMadeAndCarryTheirTime) {
  const Timestamp now = SystemClock().Now();
  const std::string first = NewId(now, SystemRandom());
  const std::int64_t carried = IdMilliseconds(first);
  EXPECT_GE(carried, now.time_since_epoch().count());
  EXPECT_LE(carried, now.time_since_epoch().count() + 1000) << first;

  constexpr int kThreads = 4, kEach = 5000;  // more than the 4,096 counts of a millisecond
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) made[t].push_back(NewId(SystemClock().Now(), SystemRandom()));
    });
  }
  for (auto& thread : threads) thread.join();
  const std::regex version7("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> all;
  for (const auto& ids : made) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << "a thread's ids went down";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      ASSERT_TRUE(std::regex_match(ids[i], version7)) << ids[i];
      if (i > 0) {
        ASSERT_LT(IdStamp(ids[i - 1]), IdStamp(ids[i])) << "two ids with one time and count";
      }
    }
    EXPECT_GT(ids.front(), first);
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), std::size_t{kThreads * kEach}) << "an id was made twice";

  // A time before the last id's (a clock stepped back) still gives a greater id.
  const std::string later = NewId(now - std::chrono::hours(1), SystemRandom());
  EXPECT_GT(later, *all.rbegin());
}

TEST(Credentials, LockTokensAreUrlSafeAndFitOneHashBlock) {
  const std::regex shape("lt_[A-Za-z0-9_-]{43}");
  for (int i = 0; i < 200; ++i) {
    const std::string token = NewLockToken(SystemRandom());
    EXPECT_TRUE(std::regex_match(token, shape)) << token;
    EXPECT_LE(token.size(), 55u);  // SHA-256 pads a message of up to 55 bytes into one block
  }
}

TEST(Credentials, SecretMatchesOnlyItsOwnHash) {
  const std::string token = NewLockToken(SystemRandom());
  const std::string hash = HashSecret(token);
  EXPECT_TRUE(SecretMatchesHash(token, hash));
  EXPECT_FALSE(SecretMatchesHash(token + "x", hash));
  EXPECT_FALSE(SecretMatchesHash("", hash));
  EXPECT_FALSE(SecretMatchesHash(token, hash.substr(1)));
  std::string flipped = hash;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  EXPECT_FALSE(SecretMatchesHash(token, flipped));
}

TEST(Credentials, SecretsAreStoredAsTheirSha256) {
  EXPECT_EQ(HashSecret("sk_abc"), Sha256Hex("sk_abc"));
  EXPECT_EQ(KeyPrefix("sk_0123456789abcdef"), "sk_01234567");
}

TEST(SystemRandom, AForkedChildNeverRepeatsItsParentsBytes) {
  // Prime this thread's buffer, so the child inherits unused random bytes.
  (void)NewLockToken(SystemRandom());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string token = NewLockToken(SystemRandom());
    const ssize_t written = write(fds[1], token.data(), token.size());
    _exit(written == static_cast<ssize_t>(token.size()) ? 0 : 1);
  }
  const std::string parent_token = NewLockToken(SystemRandom());
  std::string child_token(parent_token.size(), '\0');
  ASSERT_EQ(read(fds[0], child_token.data(), child_token.size()), static_cast<ssize_t>(child_token.size()));
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  close(fds[1]);
  EXPECT_NE(parent_token, child_token);
}

}  // namespace
}  // namespace libsync
