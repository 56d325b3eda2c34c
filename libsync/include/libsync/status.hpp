#pragma once
// The one error type that crosses every port and use-case boundary.
//
// A Status is a value: success (code kOk) or a failure with a closed ErrorCode, a
// human-readable message, optional key/value details (e.g. who holds a lock) and an
// origin naming the adapter and its native code ("sql/23505", "git2/-3") so an operator
// can trace a failure without the adapter's exception type leaking into the core.
//
// Every ErrorCode maps to exactly one HTTP status (see HttpStatusOf and
// docs/error-handling.md); no two codes share a status, so the mapping is one-to-one.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace libsync {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     ///< 400: the request is malformed or out of range.
  kUnauthenticated,     ///< 401: no credentials, or credentials that match nothing.
  kPermissionDenied,    ///< 403: valid credentials whose scope is too small.
  kNotFound,            ///< 404: no such project/doc/key/version, or not visible to the caller.
  kLockHeld,            ///< 409: another holder owns the project's live lock.
  kGone,                ///< 410: the requested event seq is older than the retained log.
  kPreconditionFailed,  ///< 412: the expected version (or absence) no longer holds.
  kTooLarge,            ///< 413: a body or document over the configured limit.
  kLocked,              ///< 423: a write without the live lock's token.
  kRateLimited,         ///< 429: too many requests.
  kInternal,            ///< 500: a bug or an unexpected failure below a port.
  kUnavailable,         ///< 503: a transient failure (database down); a retry may succeed.
  kDeadlineExceeded,    ///< 504: a remote (a git server) did not answer within its time limit.
};

/// The HTTP status for `code`; 200 for kOk.
int HttpStatusOf(ErrorCode code) noexcept;

/// The inverse, for clients of the HTTP API: the code whose status is `http_status`, or
/// kInternal for a status no code maps to (another 5xx, a proxy's answer).
ErrorCode ErrorCodeOfHttpStatus(int http_status) noexcept;

/// A stable machine-readable name ("LockHeld", "NotFound", ...), used in logs and bindings.
std::string_view ErrorCodeName(ErrorCode code) noexcept;

class Status {
 public:
  using Details = std::vector<std::pair<std::string, std::string>>;

  /// Success.
  Status() noexcept = default;
  Status(ErrorCode code, std::string message, Details details = {}, std::string origin = {});
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() noexcept { return Status(); }
  static Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status Gone(std::string m) { return {ErrorCode::kGone, std::move(m)}; }
  static Status PreconditionFailed(std::string m) { return {ErrorCode::kPreconditionFailed, std::move(m)}; }
  static Status TooLarge(std::string m) { return {ErrorCode::kTooLarge, std::move(m)}; }
  static Status Locked(std::string m) { return {ErrorCode::kLocked, std::move(m)}; }
  static Status Internal(std::string m, std::string origin = {}) {
    return {ErrorCode::kInternal, std::move(m), {}, std::move(origin)};
  }
  static Status Unavailable(std::string m, std::string origin = {}) {
    return {ErrorCode::kUnavailable, std::move(m), {}, std::move(origin)};
  }
  static Status DeadlineExceeded(std::string m, std::string origin = {}) {
    return {ErrorCode::kDeadlineExceeded, std::move(m), {}, std::move(origin)};
  }

  bool ok() const noexcept { return rep_ == nullptr; }
  ErrorCode code() const noexcept { return rep_ ? rep_->code : ErrorCode::kOk; }
  const std::string& message() const noexcept;
  const Details& details() const noexcept;
  const std::string& origin() const noexcept;
  int http_status() const noexcept { return HttpStatusOf(code()); }

  /// The value of detail `key`, or empty.
  std::string_view detail(std::string_view key) const noexcept;

  /// "LockHeld: project is locked by alice" (origin appended in brackets when set).
  std::string ToString() const;

 private:
  // Success is a null pointer, so the ok path (every call of every use case) constructs,
  // moves and destroys one pointer; only failures allocate.
  struct Rep {
    ErrorCode code;
    std::string message;
    Details details;
    std::string origin;
  };
  std::unique_ptr<Rep> rep_;
};

}  // namespace libsync

#define LIBSYNC_CONCAT_INNER_(a, b) a##b
#define LIBSYNC_CONCAT_(a, b) LIBSYNC_CONCAT_INNER_(a, b)

/// Returns the Status of `expr` from the enclosing function when it is not ok.
/// (__COUNTER__ keeps nested uses, e.g. inside a lambda argument, from shadowing.)
#define LIBSYNC_RETURN_IF_ERROR(expr) \
  LIBSYNC_RETURN_IF_ERROR_IMPL_(LIBSYNC_CONCAT_(libsync_status_, __COUNTER__), expr)
#define LIBSYNC_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                           \
    ::libsync::Status tmp = (expr);              \
    if (!tmp.ok()) return tmp;                   \
  } while (false)
