#include "query.hpp"

#include <charconv>
#include <cstdlib>

namespace libsync::sql {
namespace {

[[noreturn]] void NullFetched() { throw soci::soci_error("Null value fetched and no indicator defined."); }

template <class T>
T ParseInteger(const char* text, int size) {
  T value{};
  const auto [end, ec] = std::from_chars(text, text + size, value);
  if (ec != std::errc() || end != text + size) {
    throw soci::soci_error("not an integer in a result column: '" + std::string(text, static_cast<std::size_t>(size)) +
                           "'");
  }
  return value;
}

}  // namespace

Query::~Query() {
  if (sqlite_) channel_.sqlite->Release(sqlite_);
}

void Query::PgValues(boost::container::small_vector<std::string_view, 12>& out) {
  numbers_.clear();
  numbers_.reserve(inputs_.size());  // the views below point into these strings
  for (const Slot& slot : inputs_) {
    if (auto* text = std::get_if<std::string*>(&slot)) {
      out.emplace_back(**text);
    } else if (auto* wide = std::get_if<long long*>(&slot)) {
      out.emplace_back(numbers_.emplace_back(std::to_string(**wide)));
    } else {
      out.emplace_back(numbers_.emplace_back(std::to_string(*std::get<int*>(slot))));
    }
  }
}

bool Query::Run(std::string_view sql) {
  if (channel_.pg) {
    boost::container::small_vector<std::string_view, 12> values;
    PgValues(values);
    // Every view is the whole of a std::string, so its data is NUL-terminated as libpq needs.
    boost::container::small_vector<const char*, 12> pointers;
    boost::container::small_vector<std::size_t, 12> sizes;
    for (std::string_view v : values) {
      pointers.push_back(v.data());
      sizes.push_back(v.size());
    }
    const std::string text = NumberedPlaceholders(sql);
    const PgStatement statement{text.c_str(), pointers, sizes};
    pg_result_ = std::move(channel_.pg->Run({&statement, 1}).front());
    pg_row_ = 0;
    return FetchPg();
  }
  sqlite_ = channel_.sqlite->Acquire(sql);
  if (sqlite_api::sqlite3_bind_parameter_count(sqlite_) != static_cast<int>(inputs_.size())) {
    throw soci::soci_error("statement has " + std::to_string(sqlite_api::sqlite3_bind_parameter_count(sqlite_)) +
                           " parameters, " + std::to_string(inputs_.size()) + " values given: " + std::string(sql));
  }
  for (std::size_t i = 0; i < inputs_.size(); ++i) BindSqlite(static_cast<int>(i + 1), inputs_[i]);
  return StepSqlite();
}

bool Query::Next() {
  if (channel_.pg) {
    ++pg_row_;
    return FetchPg();
  }
  return StepSqlite();
}

long long Query::Affected() {
  if (channel_.pg) {
    const char* tuples = PQcmdTuples(pg_result_.get());
    return *tuples ? std::atoll(tuples) : 0;
  }
  return sqlite_api::sqlite3_changes(channel_.sqlite->db());
}

void Query::Queue(std::string_view sql) {
  if (!channel_.pg) {
    Run(sql);
    return;
  }
  boost::container::small_vector<std::string_view, 12> values;
  PgValues(values);
  channel_.pg->Queue(NumberedPlaceholders(sql), values);
}

void Query::BindSqlite(int index, const Slot& slot) {
  int rc = SQLITE_OK;
  if (auto* text = std::get_if<std::string*>(&slot)) {
    // The bound variables outlive the statement's use, so SQLite need not copy them; the
    // size is given, so every byte (a NUL too) is stored.
    rc = sqlite_api::sqlite3_bind_text(sqlite_, index, (*text)->data(), static_cast<int>((*text)->size()),
                                       SQLITE_STATIC);
  } else if (auto* wide = std::get_if<long long*>(&slot)) {
    rc = sqlite_api::sqlite3_bind_int64(sqlite_, index, **wide);
  } else {
    rc = sqlite_api::sqlite3_bind_int(sqlite_, index, *std::get<int*>(slot));
  }
  if (rc != SQLITE_OK) ThrowSqliteError(channel_.sqlite->db());
}

// One row into the outputs, as SOCI would: text as text, integers as integers, and a
// NULL (which no query here selects without COALESCE) as an error.
bool Query::StepSqlite() {
  const int rc = sqlite_api::sqlite3_step(sqlite_);
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) ThrowSqliteError(channel_.sqlite->db());
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    // One call that takes the connection's mutex per column; the sqlite3_value_*
    // readers take none, which is safe because this thread holds the connection alone
    // (a SessionPool lease).
    sqlite_api::sqlite3_value* value = sqlite_api::sqlite3_column_value(sqlite_, static_cast<int>(i));
    if (sqlite_api::sqlite3_value_type(value) == SQLITE_NULL) NullFetched();
    if (auto* text = std::get_if<std::string*>(&outputs_[i])) {
      // Text is stored as UTF-8, the connection's encoding: its blob view is those
      // bytes with no conversion (a NUL included), and an empty one may come back as null.
      const void* bytes = sqlite_api::sqlite3_value_blob(value);
      const auto size = static_cast<std::size_t>(sqlite_api::sqlite3_value_bytes(value));
      (*text)->assign(size ? static_cast<const char*>(bytes) : "", size);
    } else if (auto* wide = std::get_if<long long*>(&outputs_[i])) {
      **wide = sqlite_api::sqlite3_value_int64(value);
    } else {
      *std::get<int*>(outputs_[i]) = sqlite_api::sqlite3_value_int(value);
    }
  }
  return true;
}

bool Query::FetchPg() {
  PGresult* r = pg_result_.get();
  if (pg_row_ >= PQntuples(r)) return false;
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    const int column = static_cast<int>(i);
    if (PQgetisnull(r, pg_row_, column)) NullFetched();
    const char* text = PQgetvalue(r, pg_row_, column);
    const int size = PQgetlength(r, pg_row_, column);
    if (auto* out = std::get_if<std::string*>(&outputs_[i])) {
      (*out)->assign(text, static_cast<std::size_t>(size));
    } else if (auto* wide = std::get_if<long long*>(&outputs_[i])) {
      **wide = ParseInteger<long long>(text, size);
    } else {
      *std::get<int*>(outputs_[i]) = ParseInteger<int>(text, size);
    }
  }
  return true;
}

}  // namespace libsync::sql
