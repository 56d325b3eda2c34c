#include "error_mapping.hpp"

#include <git2.h>

#include <string>

namespace libsync::git {
namespace {

void Scrub(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (std::size_t at; (at = text.find(secret)) != std::string::npos;) text.replace(at, secret.size(), "***");
}

}  // namespace

Status MapGitError(int code, std::string_view what, std::initializer_list<std::string_view> secrets) {
  const git_error* last = git_error_last();
  std::string message(what);
  if (last && last->message) message.append(": ").append(last->message);
  for (const std::string_view secret : secrets) Scrub(message, secret);
  const int klass = last ? last->klass : GIT_ERROR_NONE;
  const std::string origin = "git2/" + std::to_string(code);
  switch (code) {
    case GIT_ENOTFOUND:
      return Status(ErrorCode::kNotFound, message, {}, origin);
    case GIT_EAUTH:
    case GIT_ECERTIFICATE:
      return Status(ErrorCode::kPermissionDenied, message, {}, origin);
    case GIT_ENONFASTFORWARD:
    case GIT_EMODIFIED:
      return Status(ErrorCode::kPreconditionFailed, message, {}, origin);
    case GIT_ELOCKED:
      return Status(ErrorCode::kUnavailable, message, {}, origin);
    default:
      break;
  }
  // Sockets, TLS and HTTP failures (libgit2 files connection errors under OS): a retry
  // later may work.
  if (klass == GIT_ERROR_NET || klass == GIT_ERROR_SSL || klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSH ||
      klass == GIT_ERROR_OS) {
    return Status(ErrorCode::kUnavailable, message, {}, origin);
  }
  if (klass == GIT_ERROR_REPOSITORY) return Status(ErrorCode::kNotFound, message, {}, origin);
  return Status(ErrorCode::kInternal, message, {}, origin);
}

}  // namespace libsync::git
