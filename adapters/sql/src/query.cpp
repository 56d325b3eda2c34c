#include "query.hpp"

namespace libsync::sql {

Query::Backend Query::Open(const Channel& channel) {
  if (channel.pg) return Backend(std::in_place_type<PgQuery>, *channel.pg);
  return Backend(std::in_place_type<SqliteQuery>, *channel.sqlite);
}

std::pair<bool, bool> Query::RunTogether(Query& first, std::string_view first_sql, Query& second,
                                         std::string_view second_sql) {
  auto* first_pg = std::get_if<PgQuery>(&first.backend_);
  auto* second_pg = std::get_if<PgQuery>(&second.backend_);
  if (first_pg && second_pg) {
    return PgQuery::RunTogether(*first_pg, first_sql, first.inputs_, first.outputs_, *second_pg, second_sql,
                                second.inputs_, second.outputs_);
  }
  const bool first_row = first.Run(first_sql);
  return {first_row, second.Run(second_sql)};
}

}  // namespace libsync::sql
