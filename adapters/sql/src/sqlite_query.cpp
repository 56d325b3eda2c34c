#include "sqlite_query.hpp"

#include <string>

#include "error_mapping.hpp"

namespace libsync::sql {

SqliteQuery::~SqliteQuery() {
  if (statement_) statements_->Release(statement_);
}

bool SqliteQuery::Run(std::string_view sql, const Slots& inputs, const Slots& outputs) {
  if (statement_) statements_->Release(statement_);  // a Queue before this Run
  statement_ = statements_->Acquire(sql);
  const int expected = sqlite3_bind_parameter_count(statement_);
  if (expected != static_cast<int>(inputs.size())) {
    throw BadRow("statement has " + std::to_string(expected) + " parameters, " + std::to_string(inputs.size()) +
                 " values given: " + std::string(sql));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) Bind(static_cast<int>(i + 1), inputs[i]);
  return Next(outputs);
}

void SqliteQuery::Bind(int index, const Slot& slot) {
  int rc = SQLITE_OK;
  if (auto* text = std::get_if<std::string*>(&slot)) {
    // The bound variables outlive the statement's use, so SQLite need not copy them; the
    // size is given, so every byte (a NUL too) is stored.
    rc = sqlite3_bind_text(statement_, index, (*text)->data(), static_cast<int>((*text)->size()), SQLITE_STATIC);
  } else if (auto* wide = std::get_if<long long*>(&slot)) {
    rc = sqlite3_bind_int64(statement_, index, **wide);
  } else {
    rc = sqlite3_bind_int(statement_, index, *std::get<int*>(slot));
  }
  if (rc != SQLITE_OK) ThrowSqliteError(statements_->db());
}

// One row into the outputs: text as text, integers as integers, and a NULL (which no
// statement here selects without COALESCE) as an error.
bool SqliteQuery::Next(const Slots& outputs) {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) ThrowSqliteError(statements_->db());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    // One call that takes the connection's mutex per column; the sqlite3_value_*
    // readers take none, which is safe because this thread holds the connection alone
    // (a SessionPool lease).
    sqlite3_value* value = sqlite3_column_value(statement_, static_cast<int>(i));
    if (sqlite3_value_type(value) == SQLITE_NULL) throw BadRow("NULL in result column " + std::to_string(i));
    if (auto* text = std::get_if<std::string*>(&outputs[i])) {
      // Text is stored as UTF-8, the connection's encoding: its blob view is those
      // bytes with no conversion (a NUL included), and an empty one may come back as null.
      const void* bytes = sqlite3_value_blob(value);
      const auto size = static_cast<std::size_t>(sqlite3_value_bytes(value));
      (*text)->assign(size ? static_cast<const char*>(bytes) : "", size);
    } else if (auto* wide = std::get_if<long long*>(&outputs[i])) {
      **wide = sqlite3_value_int64(value);
    } else {
      *std::get<int*>(outputs[i]) = sqlite3_value_int(value);
    }
  }
  return true;
}

}  // namespace libsync::sql
