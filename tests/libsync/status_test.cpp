#include "libsync/status.hpp"

#include <gtest/gtest.h>

#include <set>

#include "libsync/result.hpp"

namespace libsync {
namespace {

TEST(Status, EveryErrorCodeMapsToItsOwnHttpStatus) {
  const std::vector<std::pair<ErrorCode, int>> table = {
      {ErrorCode::kInvalidArgument, 400}, {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403}, {ErrorCode::kNotFound, 404},
      {ErrorCode::kLockHeld, 409},         {ErrorCode::kGone, 410},
      {ErrorCode::kPreconditionFailed, 412}, {ErrorCode::kTooLarge, 413},
      {ErrorCode::kLocked, 423},           {ErrorCode::kRateLimited, 429},
      {ErrorCode::kInternal, 500},         {ErrorCode::kUnavailable, 503},
      {ErrorCode::kDeadlineExceeded, 504}};
  std::set<int> statuses;
  std::set<std::string_view> names;
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusOf(code), http) << ErrorCodeName(code);
    EXPECT_EQ(ErrorCodeOfHttpStatus(http), code) << http;
    statuses.insert(http);
    names.insert(ErrorCodeName(code));
  }
  EXPECT_EQ(statuses.size(), table.size()) << "two codes share an HTTP status";
  EXPECT_EQ(names.size(), table.size());
  EXPECT_EQ(HttpStatusOf(ErrorCode::kOk), 200);
  EXPECT_EQ(ErrorCodeOfHttpStatus(502), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeOfHttpStatus(505), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeOfHttpStatus(418), ErrorCode::kInternal);
}

TEST(Status, CarriesMessageDetailsAndOrigin) {
  Status s(ErrorCode::kLockHeld, "locked by alice", {{"lockedBy", "alice"}}, "sql/23505");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.http_status(), 409);
  EXPECT_EQ(s.detail("lockedBy"), "alice");
  EXPECT_EQ(s.detail("missing"), "");
  EXPECT_EQ(s.ToString(), "LockHeld: locked by alice [sql/23505]");
  EXPECT_TRUE(Status::Ok().ok());
}

Result<int> Half(int n) {
  if (n % 2) return Status::InvalidArgument("odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  LIBSYNC_ASSIGN_OR_RETURN(int half, Half(n));
  LIBSYNC_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Result, PropagatesTheFirstFailure) {
  EXPECT_EQ(Quarter(8).value(), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Quarter(4).status().ok());
}

}  // namespace
}  // namespace libsync
