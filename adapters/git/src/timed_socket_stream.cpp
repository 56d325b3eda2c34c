#include "timed_socket_stream.hpp"

#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <type_traits>

#include "libsync/thread_annotations.hpp"

namespace libsync::git {
namespace {

using Clock = std::chrono::steady_clock;

using FailureCell = std::atomic<TransferFailure>;

// The scope of the transfer running on this thread, if any.
thread_local const TransferLimits* t_limits = nullptr;
thread_local std::shared_ptr<FailureCell> t_failure;

// The first four members are laid out as libgit2 1.5's own git_socket_stream: its SSH
// transport does not read through the stream but takes the descriptor `s` from there and
// hands it to libssh2. Anything of ours comes after them.
struct TimedSocketStream {
  git_stream parent;
  char* host;
  char* port;
  int s;
  TransferLimits limits;
  /// Shared with the TransferScope, which may end before libgit2 frees the stream.
  std::shared_ptr<FailureCell> failure;
};
static_assert(std::is_standard_layout_v<TimedSocketStream>);
static_assert(offsetof(TimedSocketStream, parent) == 0);

TimedSocketStream* Self(git_stream* stream) { return reinterpret_cast<TimedSocketStream*>(stream); }

long Seconds(std::chrono::milliseconds d) { return static_cast<long>((d.count() + 999) / 1000); }

// The first limit hit is the one reported.
void Record(FailureCell& cell, TransferFailure why) {
  TransferFailure none = TransferFailure::kNone;
  cell.compare_exchange_strong(none, why);
}

int Fail(const TimedSocketStream& st, TransferFailure why, const std::string& message) {
  Record(*st.failure, why);
  git_error_set_str(GIT_ERROR_NET, message.c_str());
  return -1;
}

// libgit2's SSH transport hands the connected socket to libssh2, which then reads and
// writes it itself, blocking with no limit: only shutting the socket down from another
// thread ends its wait. The watchdog does that for every connected stream whose transfer
// was cancelled or ran past its deadline (the streams' own waits notice those too, for
// http:// and https://). It is never destroyed: its thread runs until the process exits.
class Watchdog {
 public:
  static Watchdog& Instance() {
    static Watchdog* instance = new Watchdog;
    return *instance;
  }

  void Watch(TimedSocketStream* st) {
    MutexLock lock(mutex_);
    streams_.insert(st);
    wake_.notify_one();
  }
  /// After this returns the watchdog no longer touches `st` or its socket.
  void Forget(TimedSocketStream* st) {
    MutexLock lock(mutex_);
    streams_.erase(st);
  }

 private:
  Watchdog() { std::thread([this] { Run(); }).detach(); }

  void Run() {
    MutexLock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&]() LIBSYNC_REQUIRES(mutex_) { return !streams_.empty(); });
      const auto now = Clock::now();
      for (TimedSocketStream* st : streams_) {
        if (st->limits.cancel && st->limits.cancel->load()) {
          Record(*st->failure, TransferFailure::kCancelled);
        } else if (now >= st->limits.deadline) {
          Record(*st->failure, TransferFailure::kDeadline);
        } else {
          continue;
        }
        shutdown(st->s, SHUT_RDWR);  // the socket stays open (and its number taken) until Close
      }
      wake_.wait_for(lock, kCancelCheckInterval);
    }
  }

  Mutex mutex_;
  std::condition_variable_any wake_;
  std::set<TimedSocketStream*> streams_ LIBSYNC_GUARDED_BY(mutex_);
};

int Connected(TimedSocketStream& st, int fd) {
  st.s = fd;
  Watchdog::Instance().Watch(&st);
  return 0;
}

int FailOs(const std::string& what, int error_number) {
  git_error_set_str(GIT_ERROR_NET, (what + ": " + std::strerror(error_number)).c_str());
  return -1;
}

// Cancellation and the transfer's deadline apply to every step, also to one that never
// has to wait because the remote keeps answering.
int CheckLimits(const TimedSocketStream& st) {
  if (st.limits.cancel && st.limits.cancel->load()) {
    return Fail(st, TransferFailure::kCancelled, "git transfer abandoned: the server is shutting down");
  }
  if (Clock::now() >= st.limits.deadline) {
    return Fail(st, TransferFailure::kDeadline, "git transfer took longer than its deadline");
  }
  return 0;
}

// Waits until `fd` is ready for `events`, giving up at `give_up` (reported as `why`), at
// the transfer's deadline, or when the transfer is cancelled. Returns 0 when ready (or
// when the socket has an error, which the next call reports), -1 after a failure.
int WaitReady(const TimedSocketStream& st, int fd, short events, Clock::time_point give_up, TransferFailure why,
              std::chrono::milliseconds limit) {
  for (;;) {
    if (CheckLimits(st) < 0) return -1;
    const auto now = Clock::now();
    if (now >= give_up) {
      return Fail(st, why, why == TransferFailure::kConnectTimeout
                           ? "could not connect to the git remote within " + std::to_string(Seconds(limit)) + " s"
                           : "the git remote made no progress for " + std::to_string(Seconds(limit)) + " s");
    }
    auto wait = std::min(give_up, st.limits.deadline) - now;
    if (st.limits.cancel) wait = std::min<Clock::duration>(wait, kCancelCheckInterval);
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, static_cast<int>(std::clamp<long long>(ms, 1, 60000)));
    if (rc > 0) return 0;
    if (rc < 0 && errno != EINTR) return FailOs("waiting for the git remote failed", errno);
  }
}

int Connect(git_stream* stream) {
  TimedSocketStream& st = *Self(stream);
  if (CheckLimits(st) < 0) return -1;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(st.host, st.port, &hints, &found); rc != 0) {
    git_error_set_str(GIT_ERROR_NET, (std::string("cannot resolve ") + st.host + ": " + gai_strerror(rc)).c_str());
    return -1;
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  // One budget for all the host's addresses: a name with many dead addresses must not
  // multiply the wait.
  const auto give_up = Clock::now() + st.limits.connect_timeout;
  int last_error = ECONNREFUSED;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) return Connected(st, fd);
    if (errno != EINPROGRESS) {
      last_error = errno;
      close(fd);
      continue;
    }
    if (WaitReady(st, fd, POLLOUT, give_up, TransferFailure::kConnectTimeout, st.limits.connect_timeout) < 0) {
      close(fd);
      return -1;
    }
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0) return Connected(st, fd);
    last_error = error != 0 ? error : errno;
    close(fd);
  }
  return FailOs(std::string("failed to connect to ") + st.host + ":" + st.port, last_error);
}

ssize_t Read(git_stream* stream, void* data, size_t size) {
  TimedSocketStream& st = *Self(stream);
  if (CheckLimits(st) < 0) return -1;
  const auto give_up = Clock::now() + st.limits.idle_timeout;
  for (;;) {
    const ssize_t n = recv(st.s, data, size, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return FailOs("error receiving data from the git remote", errno);
    if (WaitReady(st, st.s, POLLIN, give_up, TransferFailure::kIdleTimeout, st.limits.idle_timeout) < 0) return -1;
  }
}

// Sends everything: libgit2's callers treat a short write as a failure or loop themselves,
// and either way the bytes must leave before the next read.
ssize_t Write(git_stream* stream, const char* data, size_t size, int flags) {
  TimedSocketStream& st = *Self(stream);
  std::size_t sent = 0;
  auto give_up = Clock::now() + st.limits.idle_timeout;
  while (sent < size) {
    if (CheckLimits(st) < 0) return -1;
    const ssize_t n = send(st.s, data + sent, size - sent, flags | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      give_up = Clock::now() + st.limits.idle_timeout;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return FailOs("error sending data to the git remote", errno);
    if (WaitReady(st, st.s, POLLOUT, give_up, TransferFailure::kIdleTimeout, st.limits.idle_timeout) < 0) return -1;
  }
  return static_cast<ssize_t>(size);
}

int Close(git_stream* stream) {
  TimedSocketStream& st = *Self(stream);
  if (st.s < 0) return 0;
  Watchdog::Instance().Forget(&st);
  close(st.s);
  st.s = -1;
  return 0;
}

void Free(git_stream* stream) {
  TimedSocketStream* st = Self(stream);
  Close(stream);
  std::free(st->host);
  std::free(st->port);
  delete st;
}

int NewStream(git_stream** out, const char* host, const char* port) {
  auto* st = new (std::nothrow) TimedSocketStream{};
  if (!st) {
    git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
    return -1;
  }
  st->parent.version = GIT_STREAM_VERSION;
  st->parent.connect = Connect;
  st->parent.read = Read;
  st->parent.write = Write;
  st->parent.close = Close;
  st->parent.free = Free;
  st->host = strdup(host);
  st->port = strdup(port);
  st->s = -1;
  st->limits = t_limits ? *t_limits : TransferLimits{};
  st->failure = t_limits ? t_failure : std::make_shared<FailureCell>(TransferFailure::kNone);
  if (!st->host || !st->port) {
    Free(&st->parent);
    git_error_set_str(GIT_ERROR_NOMEMORY, "out of memory");
    return -1;
  }
  *out = &st->parent;
  return 0;
}

}  // namespace

int RegisterTimedSocketStream() {
  git_stream_registration registration{};
  registration.version = GIT_STREAM_VERSION;
  registration.init = NewStream;
  return git_stream_register(GIT_STREAM_STANDARD, &registration);
}

TransferScope::TransferScope(const TransferLimits& limits)
    : limits_(limits),
      failure_(std::make_shared<std::atomic<TransferFailure>>(TransferFailure::kNone)),
      previous_limits_(t_limits),
      previous_failure_(t_failure) {
  t_limits = &limits_;
  t_failure = failure_;
}

TransferScope::~TransferScope() {
  t_limits = previous_limits_;
  t_failure = previous_failure_;
}

TransferFailure TransferScope::failure() const { return failure_->load(); }

}  // namespace libsync::git
