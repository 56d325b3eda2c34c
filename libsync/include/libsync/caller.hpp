#pragma once
// Who is asking: the admin, or a workstation holding one project's API key.

#include <string>

#include "libsync/model/api_key.hpp"

namespace libsync {

/// Every use case takes the Caller and checks it first: the admin may do everything; a
/// key may touch only its own project (any other project is reported as not found, so
/// keys cannot probe for ids) and may write only with scope kWrite.
class Caller {
 public:
  /// The server's administrator. `name` is recorded as author of its edits.
  static Caller Admin(std::string name = "admin") {
    Caller c;
    c.admin_ = true;
    c.name_ = std::move(name);
    c.scope_ = KeyScope::kWrite;
    return c;
  }

  /// The holder of `key` (already authenticated).
  static Caller ForKey(const ApiKey& key) {
    Caller c;
    c.name_ = key.name;
    c.key_id_ = key.id;
    c.project_id_ = key.project_id;
    c.scope_ = key.scope;
    return c;
  }

  bool is_admin() const noexcept { return admin_; }
  const std::string& name() const noexcept { return name_; }
  const std::string& key_id() const noexcept { return key_id_; }        ///< empty for admin
  const std::string& project_id() const noexcept { return project_id_; }  ///< empty for admin
  KeyScope scope() const noexcept { return scope_; }

 private:
  Caller() = default;
  bool admin_ = false;
  std::string name_;
  std::string key_id_;
  std::string project_id_;
  KeyScope scope_ = KeyScope::kRead;
};

}  // namespace libsync
