#include "placeholders.hpp"

#include <cctype>

namespace libsync::sql {
namespace {

bool StartsName(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool InName(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// One scanner for both forms, so they can never disagree on what is a placeholder.
template <class Emit>
std::string Rewrite(std::string_view sql, Emit&& emit) {
  std::string out;
  out.reserve(sql.size() + 8);
  char quote = 0;  // inside '...' or "..." when set
  int count = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {  // a cast (PostgreSQL's ::type)
      out += "::";
      ++i;
      continue;
    }
    if (c == ':' && i + 1 < sql.size() && StartsName(sql[i + 1])) {
      emit(out, ++count);
      while (i + 1 < sql.size() && InName(sql[i + 1])) ++i;
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string PositionalPlaceholders(std::string_view sql) {
  return Rewrite(sql, [](std::string& out, int) { out += '?'; });
}

std::string NumberedPlaceholders(std::string_view sql) {
  return Rewrite(sql, [](std::string& out, int n) { out.append("$").append(std::to_string(n)); });
}

}  // namespace libsync::sql
