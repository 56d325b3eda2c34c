#include "libsync/git_poller.hpp"

#include <array>
#include <cstring>

#include "libsync/credentials.hpp"
#include "unit_of_work.hpp"

namespace libsync {

GitPoller::GitPoller(const ServiceContext& ctx, GitSyncService& git, GitSyncScheduler& scheduler,
                     GitPollerOptions options)
    : ctx_(ctx),
      git_(git),
      scheduler_(scheduler),
      options_(std::move(options)),
      holder_(options_.holder.empty() ? "poller-" + NewId(ctx.clock.Now(), ctx.random) : options_.holder) {}

GitPoller::~GitPoller() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GitPoller::Start() {
  thread_ = std::thread([this] {
    MutexLock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      (void)PollDue();  // a failed pass (the store unreachable) is tried again next tick
      lock.lock();
      if (stopping_) break;
      wake_.wait_for(lock, options_.tick);
    }
  });
}

std::chrono::milliseconds GitPoller::Jittered(std::int64_t interval_seconds) {
  std::array<unsigned char, 4> bytes{};
  ctx_.random.Fill(bytes);
  std::uint32_t draw = 0;
  std::memcpy(&draw, bytes.data(), sizeof draw);
  const double unit = static_cast<double>(draw) / 4294967295.0;  // [0, 1]
  const double factor = 1.0 + options_.jitter * (2.0 * unit - 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(interval_seconds) * 1000.0 * factor));
}

Result<PollPass> GitPoller::PollDue() {
  const Timestamp now = ctx_.clock.Now();
  std::vector<Project> projects;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx_, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(projects, tx.ListProjects());
    return Status::Ok();
  }));
  PollPass pass;
  const Caller caller = Caller::Admin("poller");
  for (const Project& p : projects) {
    if (p.sync_interval_seconds <= 0) continue;
    if (p.next_poll_at && *p.next_poll_at > now) continue;
    const std::chrono::milliseconds next = Jittered(p.sync_interval_seconds);
    const Timestamp until = now + 2 * std::chrono::seconds(p.sync_interval_seconds) + std::chrono::minutes(1);
    bool held = false;
    Status claimed = detail::RunWrite(ctx_, [&](Transaction& tx, detail::EventBatch&) {
      LIBSYNC_ASSIGN_OR_RETURN(held, tx.ClaimPoll(p.id, holder_, now, until, now + next));
      return Status::Ok();
    });
    if (!claimed.ok() || !held) continue;  // gone, or another server polls it
    ++pass.checked;
    auto head = git_.CheckHead(caller, p.id);
    if (!head) {
      ++pass.failed;
      continue;
    }
    if (head->moved) {
      scheduler_.RequestImport(p.id);
      ++pass.imports_requested;
    }
  }
  return pass;
}

}  // namespace libsync
