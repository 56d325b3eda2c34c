#pragma once
// The PostgreSQL implementation of the statement interface (query_backend.hpp): libpq's
// extended protocol on the transaction's pipeline (PgPipeline), every value a text
// parameter, statements prepared once per connection.

#include <string>
#include <string_view>

#include "pg_pipeline.hpp"
#include "query_backend.hpp"

namespace libsync::sql {

class PgQuery {
 public:
  explicit PgQuery(PgPipeline& pipeline) : pipeline_(&pipeline) {}
  PgQuery(const PgQuery&) = delete;
  PgQuery& operator=(const PgQuery&) = delete;

  /// Sends whatever the pipeline holds back, then this statement: one round trip.
  bool Run(std::string_view sql, const Slots& inputs, const Slots& outputs);
  bool Next(const Slots& outputs);
  long long Affected() const;
  /// Held back with copies of its values, to go out with the next statement that runs
  /// (or the COMMIT).
  void Queue(std::string_view sql, const Slots& inputs);
  /// As Queue, for a guarded write (PgPipeline::QueueGuarded).
  void QueueGuarded(std::string_view sql, const Slots& inputs);

  /// Runs `first` and `second` in one round trip (with whatever the pipeline holds back)
  /// and fetches each one's first row; returns whether each has one.
  static std::pair<bool, bool> RunTogether(PgQuery& first, std::string_view first_sql, const Slots& first_inputs,
                                           const Slots& first_outputs, PgQuery& second, std::string_view second_sql,
                                           const Slots& second_inputs, const Slots& second_outputs);

 private:
  // What one statement sends: its text with `$n` placeholders, and a view of each value.
  struct Prepared {
    std::string text;
    boost::container::small_vector<const char*, 12> pointers;
    boost::container::small_vector<std::size_t, 12> sizes;
    PgStatement statement() const { return {text.c_str(), pointers, sizes}; }
  };
  /// The inputs as text views for libpq; numbers are formatted into `numbers_`.
  void Values(const Slots& inputs, boost::container::small_vector<std::string_view, 12>& out);
  Prepared Prepare(std::string_view sql, const Slots& inputs);
  bool Fetch(const Slots& outputs);

  PgPipeline* pipeline_;
  PgResult result_;
  int row_ = 0;
  boost::container::small_vector<std::string, 4> numbers_;
};

static_assert(QueryBackend<PgQuery>);

}  // namespace libsync::sql
