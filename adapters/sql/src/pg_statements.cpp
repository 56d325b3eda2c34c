#include "pg_statements.hpp"

namespace libsync::sql {

const std::string* PgStatementCache::Find(std::string_view sql) const {
  const auto it = names_.find(sql);
  return it == names_.end() ? nullptr : &it->second;
}

const std::string* PgStatementCache::Add(std::string_view sql) {
  if (names_.size() >= kMaxStatements) return nullptr;
  auto [it, added] = names_.try_emplace(std::string(sql), "libsync_" + std::to_string(++next_));
  return &it->second;
}

void PgStatementCache::Forget(std::string_view sql) {
  if (const auto it = names_.find(sql); it != names_.end()) names_.erase(it);
}

}  // namespace libsync::sql
