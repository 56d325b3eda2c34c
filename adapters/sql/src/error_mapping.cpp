#include "error_mapping.hpp"

#include <sqlite3.h>

#include <string>

namespace libsync::sql {
namespace {

MappedError FromSqlState(const std::string& state, const std::string& message) {
  const std::string origin = "sql/" + state;
  const auto is = [&](const char* prefix) { return state.rfind(prefix, 0) == 0; };
  if (state == "40001" || state == "40P01") {
    return {Status::Unavailable("transaction conflicted with a concurrent one", origin), true};
  }
  if (state == "23505") return {Status(ErrorCode::kPreconditionFailed, "row already exists", {}, origin)};
  if (state == "23503") return {Status(ErrorCode::kNotFound, "referenced row does not exist", {}, origin)};
  // Data the server refuses as it is: bytes that are not text in the database's encoding
  // (22021, 22P05), a string longer than its column (22001), a value too large for an
  // index entry (54000). The caller's input, not a fault here: a 4xx, nothing stored.
  if (state == "22021" || state == "22P05" || state == "22001" || state == "54000") {
    return {Status(ErrorCode::kInvalidArgument, "the database cannot store this value: " + message, {}, origin)};
  }
  // Connection failures (08), no resources (53), and the server shutting down or
  // restarting, or this session terminated by an administrator (57P01..57P03).
  if (is("08") || is("53") || is("57P")) {
    return {Status::Unavailable("database unavailable: " + message, origin)};
  }
  return {Status::Internal("database error: " + message, origin)};
}

MappedError FromSqliteCode(int code, const std::string& message) {
  const std::string origin = "sql/sqlite" + std::to_string(code);
  switch (code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {Status::Unavailable("database is busy", origin), true};
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return {Status(ErrorCode::kNotFound, "referenced row does not exist", {}, origin)};
      }
      return {Status(ErrorCode::kPreconditionFailed, "row already exists", {}, origin)};
    case SQLITE_TOOBIG:
      return {Status(ErrorCode::kInvalidArgument, "the database cannot store this value: " + message, {}, origin)};
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return {Status(ErrorCode::kInvalidArgument, "the file is not a SQLite database or is corrupt", {}, origin)};
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return {Status::Unavailable("cannot use the database file: " + message, origin)};
    default:
      return {Status::Internal("database error: " + message, origin)};
  }
}

}  // namespace

MappedError MapSqlError(const std::exception& error) {
  if (const auto* refused = dynamic_cast<const UnstorableValue*>(&error)) {
    return {Status(ErrorCode::kInvalidArgument, refused->what(), {}, "sql/value")};
  }
  if (const auto* pg = dynamic_cast<const PgError*>(&error)) return FromSqlState(pg->sqlstate(), pg->what());
  if (const auto* lite = dynamic_cast<const SqliteError*>(&error)) return FromSqliteCode(lite->code(), lite->what());
  if (dynamic_cast<const BadRow*>(&error)) {
    return {Status::Internal(std::string("database error: ") + error.what(), "sql")};
  }
  return {Status::Internal(std::string("database adapter failure: ") + error.what(), "sql")};
}

}  // namespace libsync::sql
