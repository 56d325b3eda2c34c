#pragma once
// Connection URLs, session set-up per backend, and a small pool of sessions (SOCI
// sessions are not thread-safe, so each transaction leases one for its duration).

#include <soci/soci.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libsync/result.hpp"
#include "libsync/sql/sql_store.hpp"

namespace libsync::sql {

enum class Dialect { kSqlite, kPostgres };

struct Target {
  Dialect dialect;
  std::string connect_string;  ///< what soci::session::open takes
  std::string display;         ///< for messages: the URL without a password
};

/// Expected errors: kInvalidArgument (unknown scheme, empty path).
Result<Target> ParseUrl(const std::string& url);

/// Opens one session and applies the per-connection settings (SQLite: WAL, synchronous,
/// busy timeout, foreign keys, extended result codes). Throws soci errors.
std::unique_ptr<soci::session> OpenSession(const Target& target, const SqlStoreOptions& options);

class SessionPool {
 public:
  explicit SessionPool(std::vector<std::unique_ptr<soci::session>> sessions)
      : sessions_(std::move(sessions)) {}

  /// Returns the session to the pool when destroyed.
  class Lease {
   public:
    Lease(SessionPool& pool, std::unique_ptr<soci::session> s) : pool_(pool), session_(std::move(s)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Return(std::move(session_)); }
    soci::session& operator*() { return *session_; }
    soci::session* operator->() { return session_.get(); }

   private:
    SessionPool& pool_;
    std::unique_ptr<soci::session> session_;
  };

  /// Waits until a session is free.
  Lease Acquire();

 private:
  void Return(std::unique_ptr<soci::session> s);

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<soci::session>> sessions_;
};

}  // namespace libsync::sql
