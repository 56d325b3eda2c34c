#include "libsync/git_sync_scheduler.hpp"

#include <algorithm>

#include "unit_of_work.hpp"

namespace libsync {

GitSyncScheduler::GitSyncScheduler(GitSyncService& git, GitSyncSchedulerOptions options, Listener listener)
    : git_(git), options_(std::move(options)), listener_(std::move(listener)) {
  const int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  if (options_.lock_ends != nullptr) options_.lock_ends->Attach(*this);
}

GitSyncScheduler::~GitSyncScheduler() {
  // First, so no event calls in while the rest goes.
  if (options_.lock_ends != nullptr) options_.lock_ends->Detach(*this);
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

Result<std::size_t> GitSyncScheduler::ResumeWaiting(const ServiceContext& ctx) {
  std::vector<std::string> waiting;
  LIBSYNC_RETURN_IF_ERROR(detail::RunRead(ctx, [&](Transaction& tx) {
    LIBSYNC_ASSIGN_OR_RETURN(auto projects, tx.ListProjects());
    for (auto& p : projects) {
      if (p.last_import.result == "waiting") waiting.push_back(std::move(p.id));
    }
    return Status::Ok();
  }));
  for (const std::string& id : waiting) RequestImport(id);
  return waiting.size();
}

GitSyncScheduler::Outcome GitSyncScheduler::RequestImport(std::string_view project_id) {
  {
    MutexLock lock(mutex_);
    auto it = entries_.find(project_id);
    if (it != entries_.end()) {
      // Queued and not started yet: that import will see this change too.
      if (it->second.running) it->second.again = true;
      return Outcome::kCoalesced;
    }
    Queue(project_id);
  }
  wake_.notify_one();
  return Outcome::kStarted;
}

void GitSyncScheduler::Queue(std::string_view project_id) {
  // A request for a project waiting for its lock runs now: the import finds the lock
  // again (and waits again) or finds it gone.
  StopWaiting(project_id);
  entries_.emplace(std::string(project_id), Entry{});
  queue_.emplace_back(project_id);
}

void GitSyncScheduler::OnLockEnded(std::string_view project_id) {
  {
    MutexLock lock(mutex_);
    if (auto it = entries_.find(project_id); it != entries_.end()) {
      if (it->second.running) it->second.lock_ended = true;
      return;
    }
    if (!waiting_for_unlock_.count(project_id)) return;
    Queue(project_id);
  }
  wake_.notify_one();
}

void GitSyncScheduler::Forget(std::string_view project_id) {
  {
    MutexLock lock(mutex_);
    StopWaiting(project_id);
    forgotten_.emplace_back(project_id);
  }
  wake_.notify_one();
}

void GitSyncScheduler::StopWaiting(std::string_view project_id) {
  // std::set::erase takes no string_view before C++23.
  if (auto waiting = waiting_for_unlock_.find(project_id); waiting != waiting_for_unlock_.end()) {
    waiting_for_unlock_.erase(waiting);
  }
}

std::size_t GitSyncScheduler::waiting_for_unlock() const {
  MutexLock lock(mutex_);
  return waiting_for_unlock_.size();
}

void GitSyncScheduler::WaitIdle() {
  MutexLock lock(mutex_);
  while ((!entries_.empty() || !forgotten_.empty() || forgetting_ > 0) && !stopping_) idle_.wait(lock);
}

std::uint64_t GitSyncScheduler::imports_run() const {
  MutexLock lock(mutex_);
  return imports_run_;
}

void GitSyncScheduler::Work() {
  const Caller caller = Caller::Admin(options_.caller_name);
  MutexLock lock(mutex_);
  while (true) {
    while (queue_.empty() && forgotten_.empty() && !stopping_) wake_.wait(lock);
    if (stopping_) return;
    if (!forgotten_.empty()) {
      std::string deleted = std::move(forgotten_.front());
      forgotten_.pop_front();
      ++forgetting_;
      lock.unlock();
      // Failing leaves a copy nothing reads again (the id is never reused), and has no
      // one to tell: the deletion itself was done and answered.
      (void)git_.ForgetDeletedProject(deleted);
      lock.lock();
      --forgetting_;
      idle_.notify_all();
      continue;
    }
    std::string project_id = std::move(queue_.front());
    queue_.pop_front();
    entries_[project_id].running = true;

    lock.unlock();
    ImportRequest request;
    request.wait_if_running = true;
    request.runs_when_unlocked = options_.lock_ends != nullptr;  // see below
    const Result<ImportReport> result = git_.Import(caller, project_id, request);
    if (listener_) listener_(project_id, result);
    lock.lock();

    ++imports_run_;
    auto it = entries_.find(project_id);
    const bool refused_for_the_lock = !result && result.error().code() == ErrorCode::kLocked;
    // A lock that ended while the import ran may have been the one that refused it.
    if (it->second.again || (refused_for_the_lock && it->second.lock_ended)) {
      it->second = Entry{};
      queue_.push_back(std::move(project_id));
      wake_.notify_one();
    } else {
      entries_.erase(it);
      if (refused_for_the_lock) waiting_for_unlock_.emplace(project_id);
    }
    idle_.notify_all();
  }
}

}  // namespace libsync
