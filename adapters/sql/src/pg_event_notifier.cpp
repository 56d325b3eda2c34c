#include "pg_event_notifier.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace libsync::sql {
namespace {

// One statement for any number of projects: one transaction, so one turn at the
// notification lock however many projects moved.
constexpr const char* kNotify = "SELECT pg_notify('libsync_events', n) FROM unnest($1::text[]) AS n";

// Sends start at least this far apart. An idle store's first notice goes at once; a busy
// store's commits are gathered for up to this long, so even one writer committing
// back to back costs a NOTIFY transaction per 5 ms, not one per commit (each is a turn at
// the notification lock, a round trip, and a wake-up of every listening server).
constexpr auto kSpacing = std::chrono::milliseconds(5);
constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kMaxRetry = std::chrono::milliseconds(2000);
// A live server answers a NOTIFY in well under a millisecond; one that has not answered
// in 5 s is unreachable (a partition): the connection is replaced and the notices resent.
constexpr auto kReplyWithin = std::chrono::milliseconds(5000);
constexpr auto kLastReplyWithin = std::chrono::milliseconds(2000);

// "<projectId>:<seq>" for each project, as a PostgreSQL text[] literal: every element
// quoted, with its quotes and backslashes escaped.
std::string NoticeArray(const std::map<std::string, std::int64_t, std::less<>>& notices) {
  std::string out = "{";
  for (const auto& [project, seq] : notices) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : project) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += ':' + std::to_string(seq) + '"';
  }
  return out + "}";
}

}  // namespace

PgEventNotifier::PgEventNotifier(std::string connect_string)
    : connect_string_(std::move(connect_string)), thread_([this] { Run(); }) {}

PgEventNotifier::~PgEventNotifier() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void PgEventNotifier::Committed(std::span<const EventHead> events) {
  if (events.empty()) return;
  bool wake = false;
  {
    MutexLock lock(mutex_);
    for (const EventHead& e : events) {
      auto [it, added] = pending_.try_emplace(e.project_id, e.seq);
      if (!added) it->second = std::max(it->second, e.seq);
    }
    // Only a notifier waiting for work needs waking: one that is sending, or waiting for
    // its next turn, takes what is pending when it gets there.
    std::swap(wake, idle_);
  }
  if (wake) wake_.notify_one();
}

void PgEventNotifier::Merge(Notices& into, const Notices& from) {
  for (const auto& [project, seq] : from) {
    auto [it, added] = into.try_emplace(project, seq);
    if (!added) it->second = std::max(it->second, seq);
  }
}

void PgEventNotifier::Run() {
  MutexLock lock(mutex_);
  auto retry = kFirstRetry;
  Clock::time_point next_send{};  // spacing, or a retry's backoff
  for (;;) {
    if (pending_.empty()) {
      if (stopping_) return;
      idle_ = true;
      wake_.wait(lock);
      idle_ = false;
      continue;
    }
    if (!stopping_ && Clock::now() < next_send) {
      wake_.wait_until(lock, next_send);
      continue;
    }
    // Everything pending goes in this send; commits arriving while it is out wait for the
    // next, coalesced per project.
    Notices sending = std::exchange(pending_, {});
    const bool last = stopping_;
    lock.unlock();
    next_send = Clock::now() + kSpacing;
    const Sent sent = Send(sending, last ? kLastReplyWithin : kReplyWithin);
    lock.lock();
    if (sent == Sent::kConnectionFailed) {
      if (last) return;  // the listeners' head sweep finds these events
      Merge(pending_, sending);
      next_send = Clock::now() + retry;
      retry = std::min(retry * 2, kMaxRetry);
      continue;
    }
    // Refused (a payload the server will not take can only fail again): dropped, and left
    // to the listeners' head sweep.
    retry = kFirstRetry;
  }
}

PgEventNotifier::Sent PgEventNotifier::Send(const Notices& notices, std::chrono::milliseconds within) {
  // A connection the server closed while it was idle (a restart, pg_terminate_backend)
  // fails on its next use: the notices then go at once on a new one.
  for (;;) {
    const bool fresh = !conn_ || PQstatus(conn_.get()) != CONNECTION_OK;
    if (fresh && !Connect()) return Sent::kConnectionFailed;
    const Sent sent = SendOn(conn_.get(), notices, within);
    if (sent == Sent::kConnectionFailed) conn_.reset();
    if (sent != Sent::kConnectionFailed || fresh) return sent;
  }
}

bool PgEventNotifier::Connect() {
  conn_.reset(PQconnectdb(connect_string_.c_str()));
  if (!conn_) return false;
  // The server's own messages (a WARNING as it shuts down) would go to stderr; the
  // failure that follows is what counts.
  PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
  if (PQstatus(conn_.get()) == CONNECTION_OK) return true;
  conn_.reset();
  return false;
}

PgEventNotifier::Sent PgEventNotifier::SendOn(PGconn* conn, const Notices& notices, std::chrono::milliseconds within) {
  const std::string array = NoticeArray(notices);
  const char* values[] = {array.c_str()};
  if (PQsendQueryParams(conn, kNotify, 1, nullptr, values, nullptr, nullptr, 0) != 1) return Sent::kConnectionFailed;
  // The answer is awaited with a deadline rather than by PQexec, which would wait as long
  // as TCP does on a server that went silent (30 s with tcp_user_timeout).
  const auto deadline = Clock::now() + within;
  bool refused = false;
  for (;;) {
    while (PQisBusy(conn) == 0) {
      PGresult* result = PQgetResult(conn);
      if (!result) {
        if (PQstatus(conn) != CONNECTION_OK) return Sent::kConnectionFailed;
        return refused ? Sent::kRefused : Sent::kYes;
      }
      refused = refused || PQresultStatus(result) != PGRES_TUPLES_OK;
      PQclear(result);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Sent::kConnectionFailed;
    pollfd fd{PQsocket(conn), POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left)) < 0 && errno != EINTR) return Sent::kConnectionFailed;
    if (PQconsumeInput(conn) == 0) return Sent::kConnectionFailed;
  }
}

}  // namespace libsync::sql
