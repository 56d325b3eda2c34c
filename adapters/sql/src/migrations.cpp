// Migrations on a connection of their own, outside any store (migrations.hpp).

#include "libsync/sql/migrations.hpp"

#include <filesystem>
#include <optional>
#include <utility>

#include "connection.hpp"
#include "error_mapping.hpp"
#include "pg_pipeline.hpp"
#include "schema.hpp"

namespace libsync::sql {
namespace {

// Runs `work` on one new connection to `target`'s database. Errors thrown by the SQL layer
// become a Status as the store's do; a refused or busy connection is kUnavailable.
template <class Work>
auto OnOneConnection(const Target& target, Work&& work) -> decltype(work(std::declval<const Channel&>())) {
  try {
    Connection connection = OpenConnection(target, SqlStoreOptions{});
    std::optional<PgPipeline> pipeline;
    if (connection.pg) pipeline.emplace(connection.pg.get(), nullptr);  // one-off statements
    return work(Channel{connection.statements.get(), pipeline ? &*pipeline : nullptr});
  } catch (const std::exception& e) {
    MappedError mapped = MapSqlError(e);
    ErrorCode code = mapped.status.code();
    // A connection refused, or a SQLite file another process holds alone: retry later.
    if (code == ErrorCode::kInternal || mapped.retryable) code = ErrorCode::kUnavailable;
    std::string why = mapped.status.message();
    if (target.dialect == Dialect::kSqlite && mapped.retryable) {
      why += " (a server holds the file alone? Stop it, or run it with --sqlite-shared)";
    }
    return Status(code, "database " + target.display + ": " + why, {}, mapped.status.origin());
  }
}

bool SqliteFileMissing(const Target& target) {
  std::error_code ec;
  return target.dialect == Dialect::kSqlite && !std::filesystem::exists(target.sqlite_path, ec);
}

std::vector<MigrationState> States(const std::vector<std::pair<int, std::string>>& applied) {
  std::vector<MigrationState> states;
  for (const Migration& m : Migrations(Dialect::kSqlite)) {  // names and numbers are the dialects' alike
    MigrationState state{m.version, m.name, {}};
    for (const auto& [version, at] : applied) {
      if (version == m.version) state.applied_at = at;
    }
    states.push_back(std::move(state));
  }
  return states;
}

}  // namespace

Result<std::vector<MigrationState>> ReadMigrationStates(const std::string& url) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  if (SqliteFileMissing(target)) return States({});
  return OnOneConnection(target, [&](const Channel& channel) -> Result<std::vector<MigrationState>> {
    return States(AppliedMigrations(channel, target.dialect));
  });
}

Result<std::string> PendingMigrationSql(const std::string& url) {
  LIBSYNC_ASSIGN_OR_RETURN(auto states, ReadMigrationStates(url));
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  std::string script;
  bool any = false;
  for (const MigrationState& state : states) any = any || state.applied_at.empty();
  if (!any) return script;
  script += "BEGIN;\n";
  if (target.dialect == Dialect::kPostgres) {
    script += "SELECT pg_advisory_xact_lock(7212352);\n";
    if (!target.schema.empty()) script += "CREATE SCHEMA IF NOT EXISTS \"" + target.schema + "\";  -- when missing\n";
  }
  script += MigrationTableStatement(target.dialect) + ";\n";
  for (const Migration& m : Migrations(target.dialect)) {
    if (!states[static_cast<std::size_t>(m.version - 1)].applied_at.empty()) continue;
    script += "\n-- migration " + std::to_string(m.version) + ": " + m.name + "\n";
    for (const std::string& statement : m.statements) script += statement + ";\n";
    if (*m.also) script += std::string("-- and, in code: ") + m.also + "\n";
    script += "INSERT INTO \"Migration\" (\"version\", \"appliedAt\") VALUES (" + std::to_string(m.version) +
              ", CURRENT_TIMESTAMP);\n";
  }
  script += "COMMIT;\n";
  return script;
}

Result<std::vector<int>> ApplyMigrations(const std::string& url) {
  LIBSYNC_ASSIGN_OR_RETURN(Target target, ParseUrl(url));
  return OnOneConnection(target, [&](const Channel& channel) { return Migrate(channel, target.dialect, target.schema); });
}

}  // namespace libsync::sql
