#include "libsync/status.hpp"

namespace libsync {

int HttpStatusOf(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kLockHeld: return 409;
    case ErrorCode::kGone: return 410;
    case ErrorCode::kPreconditionFailed: return 412;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kLocked: return 423;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
  }
  return 500;
}

ErrorCode ErrorCodeOfHttpStatus(int http_status) noexcept {
  // The codes are contiguous from kInvalidArgument to kDeadlineExceeded, and each has its
  // own status, so the first match is the only one.
  for (int i = static_cast<int>(ErrorCode::kInvalidArgument); i <= static_cast<int>(ErrorCode::kDeadlineExceeded);
       ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (HttpStatusOf(code) == http_status) return code;
  }
  return ErrorCode::kInternal;
}

std::string_view ErrorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk: return "Ok";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kUnauthenticated: return "Unauthenticated";
    case ErrorCode::kPermissionDenied: return "PermissionDenied";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kLockHeld: return "LockHeld";
    case ErrorCode::kGone: return "Gone";
    case ErrorCode::kPreconditionFailed: return "PreconditionFailed";
    case ErrorCode::kTooLarge: return "TooLarge";
    case ErrorCode::kLocked: return "Locked";
    case ErrorCode::kRateLimited: return "RateLimited";
    case ErrorCode::kInternal: return "Internal";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kDeadlineExceeded: return "DeadlineExceeded";
  }
  return "Internal";
}

Status::Status(ErrorCode code, std::string message, Details details, std::string origin) {
  // An "error" with code kOk is success: it carries nothing, so ok() and code() agree.
  if (code == ErrorCode::kOk) return;
  rep_ = std::make_unique<Rep>(Rep{code, std::move(message), std::move(details), std::move(origin)});
}

Status::Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

namespace {
const std::string kEmpty;
const Status::Details kNoDetails;
}  // namespace

const std::string& Status::message() const noexcept { return rep_ ? rep_->message : kEmpty; }
const Status::Details& Status::details() const noexcept { return rep_ ? rep_->details : kNoDetails; }
const std::string& Status::origin() const noexcept { return rep_ ? rep_->origin : kEmpty; }

std::string_view Status::detail(std::string_view key) const noexcept {
  for (const auto& [k, v] : details()) {
    if (k == key) return v;
  }
  return {};
}

std::string Status::ToString() const {
  std::string out(ErrorCodeName(code()));
  if (!message().empty()) out.append(": ").append(message());
  if (!origin().empty()) out.append(" [").append(origin()).append("]");
  return out;
}

}  // namespace libsync
