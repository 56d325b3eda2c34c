// A tiny app embedding libsync's core: a project, two docs, a lock, a workstation key and
// the pull a SessionStart hook would do, all in memory.

#include <iostream>

#include <libsync/aes_gcm_secret_box.hpp>
#include <libsync/memory/memory_store.hpp>
#include <libsync/memory/recording_event_sink.hpp>
#include <libsync/sync_service.hpp>

namespace {

template <class T>
T Check(libsync::Result<T> r) {
  if (!r) {
    std::cerr << "error: " << r.error().ToString() << "\n";
    std::exit(1);
  }
  return std::move(r).value();
}

}  // namespace

int main() {
  using namespace libsync;
  auto store = MakeMemoryStore();
  auto box = Check(MakeAesGcmSecretBox({GenerateSecretKey("demo")}));
  RecordingEventSink events;
  SyncService sync(*store, SystemClock(), SystemRandom(), *box, events);
  const Caller lead = Caller::Admin("tech-lead");

  auto project = Check(sync.projects().Create(lead, {.name = "web-app",
                                                     .repo_url = "https://github.com/acme/web-app.git",
                                                     .token = "ghp_example"}));
  std::cout << "project " << project.name << " (" << project.id << ")\n";

  auto lock = Check(sync.locks().Acquire(lead, project.id, {.locked_by = "tech-lead", .reason = "weekly docs pass"}));
  std::cout << "locked by " << lock.lock.locked_by << " until " << FormatTimestamp(lock.lock.expires_at)
            << ", fence " << lock.lock.fence << "\n";

  Check(sync.docs().Put(lead, project.id, "CLAUDE.md", "# Project rules\n", {.lock_token = lock.token}));
  Check(sync.docs().Put(lead, project.id, "guides/style.md", "# Code style\n", {.lock_token = lock.token}));
  Check(sync.locks().Release(lead, project.id, lock.token));

  auto key = Check(sync.keys().Create(lead, project.id, "alice-laptop"));
  const Caller laptop = Check(sync.keys().Authenticate(key.plain_key));
  auto pulled = Check(sync.hooks().Pull(laptop, project.id));
  std::cout << "workstation pulled " << pulled.docs.size() << " docs, hash " << pulled.hash << "\n";
  for (const auto& doc : pulled.docs) std::cout << "  " << doc.file_name << " v" << doc.version << "\n";
  std::cout << events.Events().size() << " events:";
  for (const auto& type : events.Types()) std::cout << " " << type;
  std::cout << "\n";
  return 0;
}
