#include "commands.hpp"

#include <sys/stat.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "docs_folder.hpp"
#include "emit_run.hpp"
#include "files.hpp"
#include "libsync/hashing.hpp"
#include "platform_client.hpp"
#include "sse_parser.hpp"
#include "status_json.hpp"
#include "terminal_text.hpp"

namespace aitk {
namespace {

namespace fs = std::filesystem;
using libsync::ErrorCode;
using libsync::Status;

int Fail(const Status& status) {
  std::cerr << "aitk: " << status.message() << "\n";
  return status.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

std::string Short(const std::string& hash) { return hash.substr(0, 12); }

// The lock token lives beside the docs folder, readable by the owner only: it is what
// lets this workstation extend, release and write under the lock.
fs::path LockTokenPath(const Config& c) { return c.project_dir / ".aitk-lock"; }

std::string ReadLockToken(const Config& c) { return ReadValue(LockTokenPath(c)); }

Status SaveLockToken(const Config& c, const std::string& token) {
  const mode_t old_mask = ::umask(077);
  Status s = WriteFileAtomically(LockTokenPath(c), token + "\n");
  ::umask(old_mask);
  return s;
}

// The lock as the platform gave it (status --json reports it so), escaped for the terminal
// and the session-start hook's text.
std::string DescribeLock(const LockState& lock) {
  if (!lock.locked) return "unlocked";
  std::string text = "locked by " + TerminalSafe(lock.locked_by) + " since " + TerminalSafe(lock.locked_at) +
                     " until " + TerminalSafe(lock.expires_at);
  if (!lock.reason.empty()) text += " (" + TerminalSafe(lock.reason) + ")";
  return text;
}

// One pull: nothing when the local hash is the server's; otherwise fetch and swap.
struct PullOutcome {
  bool changed = false;
  std::size_t docs = 0;
  std::string hash;
};

libsync::Result<PullOutcome> PullIfBehind(const Config& config, const PlatformClient& client,
                                          const DocsFolder& folder) {
  LIBSYNC_RETURN_IF_ERROR(DocsFolderProblem(config));
  LIBSYNC_RETURN_IF_ERROR(folder.CheckReplaceable());
  LIBSYNC_ASSIGN_OR_RETURN(const std::string server_hash, client.DocsHash());
  if (folder.Exists() && folder.SyncedHash() == server_hash) {
    return PullOutcome{false, folder.DocCount(), server_hash};
  }
  LIBSYNC_ASSIGN_OR_RETURN(const Snapshot snapshot, client.Pull());
  LIBSYNC_RETURN_IF_ERROR(folder.Replace(snapshot));
  return PullOutcome{true, snapshot.docs.size(), snapshot.hash};
}

// The emit targets from --emit / AI_TOOLKIT_EMIT, checked before anything is pulled so a
// typo changes nothing.
libsync::Result<std::vector<EmitTarget>> EmitTargets(const Config& c) { return ParseEmitTargets(c.emit); }

// Emits after a pull that changed the docs; --force emits for current docs too (after
// the target list changed, or to restore a generated file).
void EmitIfChanged(const Config& config, const DocsFolder& folder, const std::vector<EmitTarget>& targets,
                   bool changed, std::ostream& out) {
  if (targets.empty() || (!changed && !config.Has("--force"))) return;
  RunEmit(config, folder, targets, out, std::cerr);
}

std::optional<int> IntOption(const Config& c, const std::string& name) {
  const std::string text = c.Option(name);
  if (text.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(name + " takes a positive whole number");
}

// A FILE argument as a fileName: its path inside the docs folder, or --name.
libsync::Result<std::string> FileNameArgument(const Config& c, const DocsFolder& folder, bool must_exist) {
  if (c.words.size() < 2) return Status::InvalidArgument(c.words[0] + " needs a FILE (see --help)");
  if (c.Has("--name")) return c.Option("--name");
  const fs::path file = c.words[1];
  if (auto name = folder.FileNameOf(file)) return *name;
  if (!must_exist && file.is_relative()) return file.generic_string();  // a fileName as such
  return Status::InvalidArgument(file.string() + " is not inside " + folder.dir().string() +
                                 "; give the doc's name with --name");
}

volatile std::sig_atomic_t g_interrupted = 0;

}  // namespace

int RunStatus(const Config& config) {
  const bool json = config.Has("--json");
  if (Status s = RequireConnection(config); !s.ok()) {
    if (json) std::cout << StatusErrorJson(config, s) << "\n";
    return Fail(s);
  }
  PlatformClient client(config);
  auto lock = client.LockStatus();
  auto hash = lock ? client.DocsHash() : libsync::Result<std::string>(lock.error());
  if (!hash) {
    if (json) std::cout << StatusErrorJson(config, hash.error()) << "\n";
    return Fail(hash.error());
  }
  const DocsFolder folder(config.docs_dir);
  const std::string local = folder.SyncedHash();
  const bool behind = local != *hash;
  if (json) {
    std::cout << StatusJson(config, *lock, *hash, local, folder.DocCount()) << "\n";
  } else {
    std::cout << "lock: " << DescribeLock(*lock) << "\n";
    if (!behind) {
      std::cout << "docs: current (" << folder.DocCount() << " docs, hash " << Short(*hash) << ")\n";
    } else if (local.empty()) {
      std::cout << "docs: not pulled yet into " << folder.dir().string() << " (run aitk pull)\n";
    } else {
      std::cout << "docs: behind (local " << Short(local) << ", server " << Short(*hash) << "; run aitk pull)\n";
    }
  }
  if (lock->locked) return behind ? kExitLockedBehind : kExitLocked;
  return behind ? kExitBehind : kExitOk;
}

int RunPull(const Config& config) {
  if (Status s = RequireConnection(config); !s.ok()) return Fail(s);
  auto targets = EmitTargets(config);
  if (!targets) return Fail(targets.error());
  PlatformClient client(config);
  const DocsFolder folder(config.docs_dir);
  auto outcome = PullIfBehind(config, client, folder);
  if (!outcome) return Fail(outcome.error());
  if (outcome->changed) {
    std::cout << "pulled " << outcome->docs << " docs into " << folder.dir().string() << " (hash "
              << Short(outcome->hash) << ")\n";
  } else {
    std::cout << "up to date (" << outcome->docs << " docs, hash " << Short(outcome->hash) << ")\n";
  }
  EmitIfChanged(config, folder, *targets, outcome->changed, std::cout);
  // Asked for assistant files and given none: say why, or the quiet looks like a fault.
  if (!targets->empty() && !outcome->changed && !config.Has("--force")) {
    std::cout << "no assistant files written: the docs did not change (--force writes them for current docs)\n";
  }
  return kExitOk;
}

int RunLock(const Config& config) {
  if (config.words.size() < 2) return Fail(Status::InvalidArgument("lock needs acquire, extend or release"));
  if (Status s = RequireConnection(config); !s.ok()) return Fail(s);
  PlatformClient client(config);
  const std::string& action = config.words[1];
  const std::string token = ReadLockToken(config);
  try {
    if (action == "acquire") {
      auto grant = client.AcquireLock(config.Option("--as", config.user), config.Option("--reason"),
                                      IntOption(config, "--ttl"), token);
      if (!grant) return Fail(grant.error());
      if (Status s = SaveLockToken(config, grant->token); !s.ok()) return Fail(s);
      std::cout << (grant->renewed ? "renewed" : "acquired") << " the lock as " << grant->locked_by << " until "
                << grant->expires_at << " (fence " << grant->fence << "; token saved in "
                << LockTokenPath(config).string() << ")\n";
      return kExitOk;
    }
    if (action == "extend" || action == "release") {
      if (token.empty()) {
        return Fail(Status::InvalidArgument("no lock token in " + LockTokenPath(config).string() +
                                            ": this workstation does not hold the lock"));
      }
      if (action == "extend") {
        auto until = client.ExtendLock(token, IntOption(config, "--minutes"));
        if (!until) return Fail(until.error());
        std::cout << "extended the lock until " << *until << "\n";
        return kExitOk;
      }
      auto released = client.ReleaseLock(token);
      if (!released) return Fail(released.error());
      std::error_code ec;
      fs::remove(LockTokenPath(config), ec);
      std::cout << (*released ? "released the lock\n" : "the lock had already expired or been released\n");
      return kExitOk;
    }
  } catch (const std::invalid_argument& e) {
    return Fail(Status::InvalidArgument(e.what()));
  }
  return Fail(Status::InvalidArgument("unknown lock action '" + action + "': acquire, extend or release"));
}

int RunPush(const Config& config) {
  if (Status s = RequireConnection(config); !s.ok()) return Fail(s);
  const DocsFolder folder(config.docs_dir);
  auto name = FileNameArgument(config, folder, true);
  if (!name) return Fail(name.error());
  const auto content = ReadFile(config.words[1]);
  if (!content) return Fail(Status::InvalidArgument("cannot read " + config.words[1]));
  PlatformClient client(config);
  auto server = client.GetDoc(*name);
  if (!server) return Fail(server.error());
  const bool force = config.Has("--force");
  std::optional<std::int64_t> base;
  if (*server) {
    const auto manifest = folder.Manifest();
    const auto pulled = manifest.find(*name);
    const std::string& server_hash = (*server)->hash;
    if (server_hash == libsync::Sha256Hex(*content)) {
      std::cout << *name << " is unchanged (version " << (*server)->version << ")\n";
      return kExitOk;
    }
    const bool stale = pulled == manifest.end() || pulled->second != server_hash;
    if (stale && !force) {
      return Fail(Status::PreconditionFailed(
          *name + " changed on the server since your last pull (now version " + std::to_string((*server)->version) +
          "): run aitk pull and redo the edit, or push with --force to overwrite it"));
    }
    if (!force) base = (*server)->version;  // the server refuses if it moves before our write
  }
  auto written = client.PutDoc(*name, *content, base, ReadLockToken(config));
  if (!written) return Fail(written.error());
  if (folder.FileNameOf(config.words[1])) (void)folder.RecordPushed(*name, *content, written->hash);
  std::cout << "pushed " << *name << " as version " << written->version << "\n";
  return kExitOk;
}

int RunHistory(const Config& config) {
  if (Status s = RequireConnection(config); !s.ok()) return Fail(s);
  const DocsFolder folder(config.docs_dir);
  auto name = FileNameArgument(config, folder, false);
  if (!name) return Fail(name.error());
  auto history = PlatformClient(config).History(*name);
  if (!history) return Fail(history.error());
  std::cout << "version  created at                author                source  hash\n";
  for (const auto& v : *history) {
    std::printf("%7lld  %-24s  %-20s  %-6s  %s\n", static_cast<long long>(v.version), v.created_at.c_str(),
                v.author.c_str(), v.source.c_str(), Short(v.hash).c_str());
  }
  return kExitOk;
}

int RunWatch(const Config& config) {
  if (Status s = RequireConnection(config); !s.ok()) return Fail(s);
  std::optional<int> count;
  std::optional<std::int64_t> since;
  try {
    count = IntOption(config, "--count");
    if (config.Has("--since")) since = std::stoll(config.Option("--since"));
  } catch (const std::exception&) {
    return Fail(Status::InvalidArgument("--since takes an event seq, --count a positive number"));
  }
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  PlatformClient client(config);
  SseParser parser;
  int printed = 0;
  auto backoff = std::chrono::milliseconds(500);
  while (!g_interrupted) {
    bool got_any = false;
    auto status = client.StreamEvents(since, [&](std::string_view data) {
      for (const SseEvent& e : parser.Feed(data)) {
        got_any = true;
        if (e.id > 0) since = e.id;
        std::cout << e.id << " " << TerminalSafe(e.type) << " " << TerminalSafe(e.data) << std::endl;
        if (count && ++printed >= *count) return false;
      }
      return !g_interrupted;
    });
    if (count && printed >= *count) return kExitOk;
    if (status && *status == 410) {
      std::cerr << "aitk: events after " << since.value_or(0) << " are no longer kept; "
                << "continuing with new events (run aitk pull for the current docs)\n";
      since.reset();
      continue;
    }
    if (status && *status >= 400) return Fail(Status(ErrorCode::kInternal, "the platform answered HTTP " + std::to_string(*status)));
    if (g_interrupted) break;
    // Dropped or unreachable: resume after the last event seen, backing off while down.
    if (got_any) backoff = std::chrono::milliseconds(500);
    std::cerr << "aitk: event stream " << (status ? "closed" : status.error().message()) << "; reconnecting in "
              << backoff.count() << " ms\n";
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
    parser = SseParser();
  }
  return kExitOk;
}

int RunSessionStartHook(const Config& config) {
  // What this prints on stdout becomes part of the assistant's context, so it is short
  // and says what the assistant should know; the exit code is 0 whenever docs exist.
  const DocsFolder folder(config.docs_dir);
  if (Status s = RequireConnection(config); !s.ok()) {
    std::cout << "AI toolkit docs: " << s.message() << "\n";
    return folder.Exists() ? kExitOk : kExitFailed;
  }
  auto targets = EmitTargets(config);
  if (!targets) std::cerr << "aitk: " << targets.error().message() << "; not emitting\n";
  PlatformClient client(config);
  auto lock = client.LockStatus();
  auto outcome = lock ? PullIfBehind(config, client, folder) : libsync::Result<PullOutcome>(lock.error());
  if (!outcome) {
    // An untrusted certificate is handled like an unreachable platform (the cached docs,
    // with a warning), never as success; its message says why and what fixes it.
    const bool untrusted = outcome.error().origin() == kTlsOrigin;
    const bool offline = outcome.error().code() == ErrorCode::kUnavailable && !untrusted;
    if (folder.Exists() && !folder.SyncedHash().empty()) {
      std::cout << "AI toolkit docs: WARNING: " << (offline ? "the platform is unreachable" : outcome.error().message())
                << "; using the cached copy in " << folder.dir().string() << " (" << folder.DocCount()
                << " docs, may be out of date).\n";
      return kExitOk;
    }
    std::cout << "AI toolkit docs: none available: " << outcome.error().message() << ". Check "
              << "AI_TOOLKIT_PLATFORM_URL, AI_TOOLKIT_API_KEY and AI_TOOLKIT_PROJECT_ID (environment or "
              << (config.project_dir / ".env.ai-toolkit").string() << "), then run aitk pull.\n";
    std::cerr << "aitk: " << outcome.error().message() << "\n";
    return kExitFailed;
  }
  std::cout << "AI toolkit docs: " << outcome->docs << " docs in " << folder.dir().string() << " are "
            << (outcome->changed ? "freshly pulled" : "current") << " (hash " << Short(outcome->hash) << ").\n";
  // The summary goes to stderr: stdout is the assistant's context, kept to the essentials.
  if (targets) EmitIfChanged(config, folder, *targets, outcome->changed, std::cerr);
  if (lock->locked) {
    std::cout << "The docs are being edited: project " << DescribeLock(*lock)
              << ". Treat them as possibly changing; do not edit files under " << folder.dir().string() << ".\n";
  }
  return kExitOk;
}

}  // namespace aitk
