#include "sqlite_statements.hpp"

#include "error_mapping.hpp"

namespace libsync::sql {

void ThrowSqliteError(sqlite3* db) {
  throw SqliteError(sqlite3_errmsg(db), sqlite3_extended_errcode(db));
}

SqliteStatementCache::Entry* SqliteStatementCache::Find(std::string_view sql) {
  // Most texts are the store's constants, passed from the same address every time: the
  // address finds the entry, and one comparison confirms it, without hashing the text.
  if (auto seen = by_address_.find(sql.data()); seen != by_address_.end() && seen->second->text == sql) {
    return seen->second;
  }
  auto it = entries_.find(sql);
  if (it == entries_.end()) return nullptr;
  // Texts built per call bring new addresses each time: forget them all rather than grow.
  if (by_address_.size() >= 2 * kMaxStatements) by_address_.clear();
  by_address_[sql.data()] = &it->second;
  return &it->second;
}

sqlite3_stmt* SqliteStatementCache::Acquire(std::string_view sql) {
  Entry* found = Find(sql);
  if (found && !found->in_use) {
    found->in_use = true;
    return found->statement;
  }
  const std::string text = PositionalPlaceholders(sql);
  sqlite3_stmt* statement = nullptr;
  const bool keep = !found && entries_.size() < kMaxStatements;
  const unsigned flags = keep ? SQLITE_PREPARE_PERSISTENT : 0;
  if (sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size() + 1), flags, &statement,
                                     nullptr) != SQLITE_OK) {
    ThrowSqliteError(db_);
  }
  if (keep) {
    auto [it, added] = entries_.try_emplace(std::string(sql));
    it->second = {statement, true, it->first};
    by_statement_[statement] = &it->second;
  }
  return statement;
}

void SqliteStatementCache::Release(sqlite3_stmt* statement) noexcept {
  auto it = by_statement_.find(statement);
  if (it == by_statement_.end()) {
    sqlite3_finalize(statement);  // one made while the kept one was busy
    return;
  }
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  it->second->in_use = false;
}

void SqliteStatementCache::Clear() noexcept {
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.statement);
  entries_.clear();
  by_statement_.clear();
  by_address_.clear();
}

}  // namespace libsync::sql
