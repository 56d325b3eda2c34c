#pragma once
// Git object ids as the 40 hex digits the GitRemote port speaks in.

#include <git2.h>

#include <string>

namespace libsync::git {

inline std::string OidText(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &oid);
  return text;
}

/// False unless `text` is exactly 40 hex digits.
inline bool ParseOid(const std::string& text, git_oid* out) {
  return text.size() == GIT_OID_HEXSZ && git_oid_fromstr(out, text.c_str()) == 0;
}

}  // namespace libsync::git
