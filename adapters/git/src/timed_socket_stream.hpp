#pragma once
// Time limits for libgit2's network transfers, which libgit2 1.5 has no option for.
//
// libgit2 opens every plain TCP connection through its stream registry
// (GIT_STREAM_STANDARD), and its TLS stream (mbedTLS or OpenSSL) opens its socket there
// too and reads and writes through it. Registering one socket stream whose connect, read
// and write wait with poll() under a deadline therefore bounds http:// and https://
// transfers alike. ssh:// opens its socket here as well (so the connect timeout holds),
// but libssh2 then reads and writes the descriptor itself: for it, a watchdog thread
// shuts the socket down when the transfer is cancelled or past its deadline. See
// docs/git-sync.md.

#include <atomic>
#include <chrono>
#include <memory>

namespace libsync::git {

/// The limits of one transfer (a fetch or a push), applied to every connection it opens.
struct TransferLimits {
  std::chrono::milliseconds connect_timeout{30000};
  /// Longest wait for the next byte (reading) or for room to send (writing).
  std::chrono::milliseconds idle_timeout{30000};
  /// When the whole transfer must be over, however steadily the remote answers.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  /// When it turns true, every wait ends within kCancelCheckInterval and the transfer fails.
  /// Must outlive every connection opened under these limits.
  const std::atomic<bool>* cancel = nullptr;
};

/// How often a waiting connection looks at TransferLimits::cancel.
inline constexpr std::chrono::milliseconds kCancelCheckInterval{100};

/// Why a connection of the current transfer gave up, if it did.
enum class TransferFailure { kNone, kConnectTimeout, kIdleTimeout, kDeadline, kCancelled };

/// Replaces libgit2's plain socket stream with the timed one, once per process; call it
/// after git_libgit2_init. Returns libgit2's error code (0 on success).
int RegisterTimedSocketStream();

/// Applies `limits` to every connection libgit2 opens on this thread while the scope
/// lives (libgit2 transfers run on the calling thread). Connections opened outside any
/// scope get the defaults of TransferLimits, with no deadline. Scopes nest.
class TransferScope {
 public:
  explicit TransferScope(const TransferLimits& limits);
  ~TransferScope();
  TransferScope(const TransferScope&) = delete;
  TransferScope& operator=(const TransferScope&) = delete;

  /// Why the transfer failed because of a limit, or kNone when no limit was hit.
  TransferFailure failure() const;

 private:
  TransferLimits limits_;
  std::shared_ptr<std::atomic<TransferFailure>> failure_;  ///< shared with the connections
  const TransferLimits* previous_limits_;
  std::shared_ptr<std::atomic<TransferFailure>> previous_failure_;
};

}  // namespace libsync::git
