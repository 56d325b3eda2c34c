#include "pg_query.hpp"

#include <charconv>
#include <cstdlib>

#include "error_mapping.hpp"
#include "placeholders.hpp"

namespace libsync::sql {
namespace {

template <class T>
T ParseInteger(const char* text, int size) {
  T value{};
  const auto [end, ec] = std::from_chars(text, text + size, value);
  if (ec != std::errc() || end != text + size) {
    throw BadRow("not an integer in a result column: '" + std::string(text, static_cast<std::size_t>(size)) + "'");
  }
  return value;
}

}  // namespace

void PgQuery::Values(const Slots& inputs, boost::container::small_vector<std::string_view, 12>& out) {
  numbers_.clear();
  numbers_.reserve(inputs.size());  // the views below point into these strings
  for (const Slot& slot : inputs) {
    if (auto* text = std::get_if<std::string*>(&slot)) {
      out.emplace_back(**text);
    } else if (auto* wide = std::get_if<long long*>(&slot)) {
      out.emplace_back(numbers_.emplace_back(std::to_string(**wide)));
    } else {
      out.emplace_back(numbers_.emplace_back(std::to_string(*std::get<int*>(slot))));
    }
  }
}

PgQuery::Prepared PgQuery::Prepare(std::string_view sql, const Slots& inputs) {
  boost::container::small_vector<std::string_view, 12> values;
  Values(inputs, values);
  Prepared out{NumberedPlaceholders(sql), {}, {}};
  // Every view is the whole of a std::string, so its data is NUL-terminated as libpq needs.
  for (std::string_view v : values) {
    out.pointers.push_back(v.data());
    out.sizes.push_back(v.size());
  }
  return out;
}

bool PgQuery::Run(std::string_view sql, const Slots& inputs, const Slots& outputs) {
  const Prepared prepared = Prepare(sql, inputs);
  const PgStatement statement = prepared.statement();
  result_ = std::move(pipeline_->Run({&statement, 1}).front());
  row_ = 0;
  return Fetch(outputs);
}

std::pair<bool, bool> PgQuery::RunTogether(PgQuery& first, std::string_view first_sql, const Slots& first_inputs,
                                           const Slots& first_outputs, PgQuery& second, std::string_view second_sql,
                                           const Slots& second_inputs, const Slots& second_outputs) {
  const Prepared a = first.Prepare(first_sql, first_inputs);
  const Prepared b = second.Prepare(second_sql, second_inputs);
  const PgStatement statements[] = {a.statement(), b.statement()};
  std::vector<PgResult> results = first.pipeline_->Run(statements);
  first.result_ = std::move(results[0]);
  second.result_ = std::move(results[1]);
  first.row_ = second.row_ = 0;
  const bool first_row = first.Fetch(first_outputs);
  return {first_row, second.Fetch(second_outputs)};
}

bool PgQuery::Next(const Slots& outputs) {
  ++row_;
  return Fetch(outputs);
}

long long PgQuery::Affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return *tuples ? std::atoll(tuples) : 0;
}

void PgQuery::Queue(std::string_view sql, const Slots& inputs) {
  boost::container::small_vector<std::string_view, 12> values;
  Values(inputs, values);
  pipeline_->Queue(NumberedPlaceholders(sql), values);
}

void PgQuery::QueueGuarded(std::string_view sql, const Slots& inputs) {
  boost::container::small_vector<std::string_view, 12> values;
  Values(inputs, values);
  pipeline_->QueueGuarded(NumberedPlaceholders(sql), values);
}

bool PgQuery::Fetch(const Slots& outputs) {
  PGresult* r = result_.get();
  if (row_ >= PQntuples(r)) return false;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const int column = static_cast<int>(i);
    if (PQgetisnull(r, row_, column)) throw BadRow("NULL in result column " + std::to_string(i));
    const char* text = PQgetvalue(r, row_, column);
    const int size = PQgetlength(r, row_, column);
    if (auto* out = std::get_if<std::string*>(&outputs[i])) {
      (*out)->assign(text, static_cast<std::size_t>(size));
    } else if (auto* wide = std::get_if<long long*>(&outputs[i])) {
      **wide = ParseInteger<long long>(text, size);
    } else {
      *std::get<int*>(outputs[i]) = ParseInteger<int>(text, size);
    }
  }
  return true;
}

}  // namespace libsync::sql
