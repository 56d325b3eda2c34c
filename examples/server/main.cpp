// aitk-server: the standalone libsync server. The composition root: it reads the
// configuration, builds the adapters, injects them into the core and serves the HTTP API.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <algorithm>
#include <atomic>
#include <thread>

#include "backup_command.hpp"
#include "command_options.hpp"
#include "data_dir.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "libsync/credentials.hpp"
#include "libsync/event_relay.hpp"
#include "libsync/git/git2_remote.hpp"
#include "libsync/git_poller.hpp"
#include "libsync/git_sync_scheduler.hpp"
#include "libsync/git_sync_service.hpp"
#include "libsync/git_webhook_service.hpp"
#include "libsync/http/api.hpp"
#include "libsync/http/doc_answer.hpp"
#include "libsync/http/event_hub.hpp"
#include "libsync/http/server.hpp"
#include "libsync/http/web_app.hpp"
#include "libsync/lock_end_tap.hpp"
#include "libsync/sql/event_listener.hpp"
#include "libsync/sql/sql_store.hpp"
#include "libsync/sync_service.hpp"
#include "libsync/version.hpp"
#include "migrate_command.hpp"
#include "server_snapshots.hpp"
#include "unservable_docs.hpp"

namespace {

namespace fs = std::filesystem;
using namespace libsync;

const char* kHelp = R"(aitk-server: keeps an AI coding team's context documents in sync.

Usage: aitk-server [options]
       aitk-server migrate [--status | --sql]   apply pending migrations (or list them,
                                                or print their SQL), then exit
       aitk-server backup FILE                  snapshot the SQLite database, also while
                                                a server runs on it: one holding it alone
                                                takes the snapshot itself (over loopback,
                                                with the admin token)
       aitk-server restore FILE                 put a snapshot back (server stopped)
       (commands take --data-dir and --database as below)

  --listen HOST:PORT          address to serve on (default 127.0.0.1:3001)     AITK_LISTEN
  --data-dir DIR              where the database, keys and git caches live      AITK_DATA_DIR
                              (default ./data)
  --database URL              sqlite:///path.db or postgresql://user@host/db    AITK_DATABASE
                              (default: SQLite file DIR/libsync.db); a Prisma   DATABASE_URL
                              URL's ?schema= becomes the search path
  --encryption-key-file FILE  keys that seal git tokens, "<id>:<64 hex>" lines,  AITK_ENCRYPTION_KEY_FILE
                              first one current (default: DIR/encryption.key,
                              generated on first start)
  --tls-cert FILE             serve HTTPS (and wss) with this PEM certificate   AITK_TLS_CERT
                              (its chain may follow it in the file)
  --tls-key FILE              the certificate's PEM private key, mode 0600      AITK_TLS_KEY
                              (refused if group or others may read it). SIGHUP
                              reloads both; a broken new pair is logged and the
                              old one kept
  --max-body BYTES            largest doc accepted (default 1048576)            AITK_MAX_BODY
  --lock-ttl SECONDS          longest lock TTL allowed (default 86400); a lock  AITK_LOCK_TTL
                              asked for without a TTL gets 30 minutes, or this
                              when it is shorter
  --threads N                 worker threads for store requests                 AITK_THREADS
                              (default: one per core, at least 2, on SQLite,
                              whose reads are CPU work; two per core, at least
                              4, on PostgreSQL, whose reads wait on the network)
  --hook-staleness MS         how old a cached answer (key, lock state, docs    AITK_HOOK_STALENESS
                              hash, doc) may be when another server changed
                              it, on PostgreSQL or --sqlite-shared; this
                              server's own changes show at once (default 1000;
                              0 turns the cache off)
  --idle-poll-us US           how long a network thread (and one idle worker)   AITK_IDLE_POLL_US
                              keeps polling for its next job before it sleeps,
                              yielding the CPU to other threads meanwhile
                              (default 200; 0 sleeps at once)
  --cpu-affinity on|off       bind each network thread to a CPU of its own     AITK_CPU_AFFINITY
                              (default on; worker threads are never bound)
  --sched-slice-us US         the scheduler time slice network and worker      AITK_SCHED_SLICE_US
                              threads ask for (Linux 6.12+): short slices let
                              a woken thread answer sooner (default 100; 0
                              keeps the kernel's; else 100 to 100000)
  --max-connections N         open request connections (default 1024); near    AITK_MAX_CONNECTIONS
                              it, those idle longest are closed; at it, 503.
                              Event streams are counted apart. Both caps are
                              lowered to fit the open file limit, which is
                              raised to its hard limit at start
  --max-connections-per-address N                                              AITK_MAX_CONNECTIONS_PER_ADDRESS
                              open request connections from one remote
                              address (default 512: a team behind one office
                              NAT); more get 429 with Retry-After; at most
                              half of --max-connections
  --max-streams N             open event streams, SSE and WebSocket            AITK_MAX_STREAMS
                              (default 10000); more get 503
  --max-streams-per-address N event streams from one remote address           AITK_MAX_STREAMS_PER_ADDRESS
                              (default 1000: a team behind one office NAT);
                              more get 429; at most half of --max-streams
  --max-streams-per-key N     event streams under one API key, or the admin   AITK_MAX_STREAMS_PER_KEY
                              token (default 1000: a team sharing one key);
                              more get 429; at most half of --max-streams
  --git-timeout SECONDS       a git fetch or push fails (504) when the remote  AITK_GIT_TIMEOUT
                              makes no progress for this long; connecting may
                              take as long, a whole transfer ten times as long
                              (default 30; 1 to 3600)
  --git-allow-local           let projects sync with repositories on this      AITK_GIT_ALLOW_LOCAL=1
                              machine's disk (paths, file:// URLs); off, anyone
                              with the admin token could read any repository
                              the server can open
  --sqlite-shared             let other processes open the SQLite database     AITK_SQLITE_SHARED=1
                              while the server runs (default: the server holds
                              it alone, which makes every request cheaper)
  --web on|off                serve the web app at / (default: on when its     AITK_WEB
                              files are found, off otherwise)
  --web-dir DIR               the built web app (a web/dist with manifest.json; AITK_WEB_DIR
                              default: the build tree's)
  --demo                      create a demo project with two docs and a key on
                              first start, and print how to call it
  --no-migrate                refuse to start on a database that needs migrating
                              (run `aitk-server migrate` first) instead of
                              migrating it
  --version                   print the version
  --help                      this text

Without --listen or AITK_LISTEN, PORT (the original platform's name) sets the port
on 127.0.0.1.

The admin token comes from AITK_ADMIN_TOKEN, or is generated on first start into
DIR/admin-token (mode 0600); its path is printed, the token never is.

A server holding its SQLite database alone (no --sqlite-shared) writes where it can be
reached from this machine into DIR/server.address (mode 0600, removed at exit):
`aitk-server backup FILE` asks it there, with the admin token (AITK_ADMIN_TOKEN or
DIR/admin-token), to snapshot the database into DIR/backups/, then moves the file to
FILE. A snapshot nobody collects is removed after ten minutes.
)";

struct Config {
  std::string listen = "127.0.0.1:3001";
  std::string data_dir = "./data";
  std::string database;
  std::string key_file;
  std::string tls_cert;  // both or neither
  std::string tls_key;
  std::size_t max_body = 1024 * 1024;
  long lock_ttl = 86400;
  int threads = 0;  // 0: chosen by the database (see --help)
  long hook_staleness_ms = 1000;
  long idle_poll_us = 200;
  bool cpu_affinity = true;
  long sched_slice_us = 100;
  long max_connections = 1024;
  long max_connections_per_address = 512;
  long max_streams = 10000;
  long max_streams_per_address = 1000;
  long max_streams_per_key = 1000;
  bool demo = false;
  bool sqlite_shared = false;
  long git_timeout_seconds = 30;
  bool git_allow_local = false;
  bool migrate = true;  // --no-migrate: refuse a database that needs migrating
  std::string web = "auto";  // "on", "off", or "auto": on when the files are found
  std::string web_dir;
};

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "aitk-server: " << message << "\n";
  std::exit(2);
}

long ParseNumber(const std::string& name, const std::string& text, long min, long max) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min || value > max) {
    Fail(name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" +
         text + "'");
  }
  return value;
}

Config ReadConfig(int argc, char** argv) {
  Config c;
  std::map<std::string, std::string> values;
  const std::map<std::string, std::string> env_names = {
      {"--listen", "AITK_LISTEN"},     {"--data-dir", "AITK_DATA_DIR"},   {"--database", "AITK_DATABASE"},
      {"--encryption-key-file", "AITK_ENCRYPTION_KEY_FILE"},              {"--max-body", "AITK_MAX_BODY"},
      {"--lock-ttl", "AITK_LOCK_TTL"}, {"--threads", "AITK_THREADS"},
      {"--hook-staleness", "AITK_HOOK_STALENESS"}, {"--idle-poll-us", "AITK_IDLE_POLL_US"},
      {"--cpu-affinity", "AITK_CPU_AFFINITY"}, {"--sched-slice-us", "AITK_SCHED_SLICE_US"},
      {"--max-connections", "AITK_MAX_CONNECTIONS"},
      {"--max-connections-per-address", "AITK_MAX_CONNECTIONS_PER_ADDRESS"}, {"--max-streams", "AITK_MAX_STREAMS"},
      {"--max-streams-per-address", "AITK_MAX_STREAMS_PER_ADDRESS"},
      {"--max-streams-per-key", "AITK_MAX_STREAMS_PER_KEY"},
      {"--git-timeout", "AITK_GIT_TIMEOUT"}, {"--web", "AITK_WEB"}, {"--web-dir", "AITK_WEB_DIR"},
      {"--tls-cert", "AITK_TLS_CERT"},     {"--tls-key", "AITK_TLS_KEY"}};
  for (const auto& [flag, env] : env_names) {
    if (const char* v = std::getenv(env.c_str()); v && *v) values[flag] = v;
  }
  // The original platform's .env names, below ours (and below any flag, read next).
  if (const std::string db = aitk_server::DatabaseFromEnvironment(); !db.empty()) values["--database"] = db;
  if (const char* port = std::getenv("PORT"); port && *port && !values.count("--listen")) {
    values["--listen"] = std::string("127.0.0.1:") + port;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kHelp;
      std::exit(0);
    }
    if (arg == "--version") {
      std::cout << "aitk-server " << kVersion << "\n";
      std::exit(0);
    }
    if (arg == "--no-migrate") {
      c.migrate = false;
      continue;
    }
    if (arg == "--demo") {
      c.demo = true;
      continue;
    }
    if (arg == "--sqlite-shared") {
      c.sqlite_shared = true;
      continue;
    }
    if (arg == "--git-allow-local") {
      c.git_allow_local = true;
      continue;
    }
    std::string flag = arg, value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (env_names.count(arg)) {
      if (i + 1 >= argc) Fail(arg + " needs a value (see --help)");
      value = argv[++i];
    }
    if (!env_names.count(flag)) Fail("unknown option '" + arg + "' (see --help)");
    values[flag] = value;
  }
  if (const char* v = std::getenv("AITK_SQLITE_SHARED"); v && std::string(v) == "1") c.sqlite_shared = true;
  if (const char* v = std::getenv("AITK_GIT_ALLOW_LOCAL"); v && std::string(v) == "1") c.git_allow_local = true;
  if (values.count("--git-timeout")) {
    c.git_timeout_seconds = ParseNumber("--git-timeout", values["--git-timeout"], 1, 3600);
  }
  if (values.count("--listen")) c.listen = values["--listen"];
  if (values.count("--data-dir")) c.data_dir = values["--data-dir"];
  if (values.count("--database")) c.database = values["--database"];
  if (values.count("--encryption-key-file")) c.key_file = values["--encryption-key-file"];
  if (values.count("--tls-cert")) c.tls_cert = values["--tls-cert"];
  if (values.count("--tls-key")) c.tls_key = values["--tls-key"];
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    Fail("--tls-cert and --tls-key (AITK_TLS_CERT, AITK_TLS_KEY) go together: give both to serve HTTPS, or neither");
  }
  if (values.count("--max-body")) c.max_body = static_cast<std::size_t>(ParseNumber("--max-body", values["--max-body"], 1024, 64L << 20));
  if (values.count("--lock-ttl")) c.lock_ttl = ParseNumber("--lock-ttl", values["--lock-ttl"], 60, 366L * 86400);
  if (values.count("--threads")) c.threads = static_cast<int>(ParseNumber("--threads", values["--threads"], 1, 256));
  if (values.count("--hook-staleness")) {
    c.hook_staleness_ms = ParseNumber("--hook-staleness", values["--hook-staleness"], 0, 60000);
  }
  if (values.count("--cpu-affinity")) {
    const std::string& v = values["--cpu-affinity"];
    if (v != "on" && v != "off") Fail("--cpu-affinity must be 'on' or 'off', not '" + v + "'");
    c.cpu_affinity = v == "on";
  }
  if (values.count("--web")) {
    c.web = values["--web"];
    if (c.web != "on" && c.web != "off") Fail("--web must be 'on' or 'off', not '" + c.web + "'");
  }
  if (values.count("--web-dir")) c.web_dir = values["--web-dir"];
  if (values.count("--idle-poll-us")) c.idle_poll_us = ParseNumber("--idle-poll-us", values["--idle-poll-us"], 0, 10000);
  for (auto [flag, field] : {std::pair{"--max-connections", &c.max_connections},
                             {"--max-connections-per-address", &c.max_connections_per_address},
                             {"--max-streams", &c.max_streams},
                             {"--max-streams-per-address", &c.max_streams_per_address},
                             {"--max-streams-per-key", &c.max_streams_per_key}}) {
    if (values.count(flag)) *field = ParseNumber(flag, values[flag], 1, 1L << 24);
  }
  if (values.count("--sched-slice-us")) {
    c.sched_slice_us = ParseNumber("--sched-slice-us", values["--sched-slice-us"], 0, 100000);
    // The kernel would silently raise anything shorter to 100 us.
    if (c.sched_slice_us > 0 && c.sched_slice_us < 100) Fail("--sched-slice-us must be 0, or from 100 to 100000");
  }
  return c;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes `content` to a new file readable by the owner only.
void WriteSecretFile(const std::string& path, const std::string& content) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) Fail("cannot create " + path + ": " + std::strerror(errno));
  const bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  close(fd);
  if (!ok) Fail("cannot write " + path);
}

std::string AdminToken(const Config& c) {
  if (const char* env = std::getenv("AITK_ADMIN_TOKEN"); env && *env) {
    if (std::strlen(env) < 16) Fail("AITK_ADMIN_TOKEN must be at least 16 characters");
    return env;
  }
  const std::string path = c.data_dir + "/admin-token";
  std::string token = ReadFileOrEmpty(path);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) {
    token = NewApiKey(SystemRandom()).substr(3);  // 64 hex characters
    WriteSecretFile(path, token + "\n");
    std::cerr << "aitk-server: generated the admin token into " << path << " (mode 0600)\n";
  } else {
    std::cerr << "aitk-server: admin token from " << path << "\n";
  }
  return token;
}

std::unique_ptr<SecretBox> OpenSecretBox(const Config& c) {
  std::string path = c.key_file;
  if (path.empty()) {
    path = c.data_dir + "/encryption.key";
    if (!fs::exists(path)) {
      WriteSecretFile(path, "# keys sealing git tokens; the first is current\n" +
                                FormatSecretKey(GenerateSecretKey("k1")) + "\n");
      std::cerr << "aitk-server: generated an encryption key into " << path << " (mode 0600)\n";
    }
  }
  if (!fs::exists(path)) Fail("encryption key file " + path + " does not exist");
  auto keys = ParseSecretKeys(ReadFileOrEmpty(path));
  if (!keys) Fail("encryption key file " + path + ": " + keys.error().message());
  auto box = MakeAesGcmSecretBox(std::move(keys).value());
  if (!box) Fail("encryption key file " + path + ": " + box.error().message());
  return std::move(box).value();
}

void CreateDemo(SyncService& sync, const std::string& base_url, const std::string& token_path) {
  const Caller admin = Caller::Admin("demo");
  auto projects = sync.projects().List(admin);
  if (projects && !projects->empty()) return;  // not a fresh data dir: leave it alone
  auto project = sync.projects().Create(admin, {.name = "demo", .repo_url = "https://github.com/acme/demo.git"});
  if (!project) return;
  (void)sync.docs().Put(admin, project->id, "CLAUDE.md", "# Project rules\n\nRead the docs in .docs/ first.\n");
  (void)sync.docs().Put(admin, project->id, "guides/style.md", "# Code style\n\nSmall files, clear names.\n");
  auto key = sync.keys().Create(admin, project->id, "demo-workstation", KeyScope::kRead);
  if (!key) return;
  std::cout << "\nDemo project '" << project->name << "' created.\n"
            << "  Workstation key (shown once): " << key->plain_key << "\n\n"
            << "Try:\n"
            << "  curl -s " << base_url << "/api/health\n"
            << "  curl -s -H 'X-API-Key: " << key->plain_key << "' " << base_url << "/api/hook/status/" << project->id
            << "\n"
            << "  curl -s -X POST -H 'X-API-Key: " << key->plain_key << "' " << base_url << "/api/hook/sync/"
            << project->id << "\n"
            << "  curl -s -H \"Authorization: Bearer $(cat " << token_path << ")\" " << base_url << "/api/projects\n\n"
            << "A workstation's aitk reads these from .env.ai-toolkit in the project folder it runs in\n"
            << "(the key reads only; docs/hooks.md):\n"
            << "  AI_TOOLKIT_PLATFORM_URL=" << base_url << "\n"
            << "  AI_TOOLKIT_API_KEY=" << key->plain_key << "\n"
            << "  AI_TOOLKIT_PROJECT_ID=" << project->id << "\n\n"
            << std::flush;
}

/// The web app to serve at /, or null. Its files are read once, here: a broken or
/// tampered directory stops the start rather than serving half an app.
std::unique_ptr<const web::WebApp> LoadWebApp(const Config& config) {
  if (config.web == "off") return nullptr;
  std::string dir = config.web_dir;
#ifdef AITK_SERVER_BUILD_WEB_DIR
  if (dir.empty()) dir = AITK_SERVER_BUILD_WEB_DIR;
#endif
  if (dir.empty()) {
    if (config.web == "on") Fail("--web on needs --web-dir DIR (the built web app)");
    return nullptr;
  }
  auto app = web::WebApp::Load(dir);
  if (!app && app.error().code() == ErrorCode::kNotFound && config.web == "auto") {
    std::cerr << "aitk-server: not serving the web app: " << app.error().message() << "\n";
    return nullptr;
  }
  if (!app) Fail(app.error().message());
  return std::move(app).value();
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by this thread alone, with sigwait at the end. Blocked before any
  // thread starts (the PostgreSQL event listener starts early), since threads inherit the
  // mask: a SIGHUP reaching a thread that does not block it would end the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reloads the TLS certificate and key
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  aitk_server::KeepCreatedFilesPrivate();  // before anything is created: database, secrets, caches
  if (argc > 1) {
    const std::string command = argv[1];
    if (command == "migrate") return aitk_server::RunMigrate(argc - 2, argv + 2);
    if (command == "backup") return aitk_server::RunBackup(argc - 2, argv + 2);
    if (command == "restore") return aitk_server::RunRestore(argc - 2, argv + 2);
  }
  Config config = ReadConfig(argc, argv);
  // Before anything opens a file: the connection caps are derived from this limit.
  const std::size_t file_limit = web::RaiseOpenFileLimit();
  const auto colon = config.listen.rfind(':');
  if (colon == std::string::npos) Fail("--listen must be HOST:PORT, not '" + config.listen + "'");
  const std::string host = config.listen.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(ParseNumber("--listen port", config.listen.substr(colon + 1), 0, 65535));

  if (const Status s = aitk_server::PreparePrivateDataDir(config.data_dir); !s.ok()) Fail(s.message());
  if (const Status s = aitk_server::MarkDataDirServed(config.data_dir); !s.ok()) Fail(s.message());
  const std::string admin_token = AdminToken(config);
  auto box = OpenSecretBox(config);

  const std::string database = aitk_server::DatabaseUrl(config.database, config.data_dir);
  const bool sqlite = database.rfind("sqlite://", 0) == 0;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (config.threads == 0) {
    // SQLite reads are CPU work: more workers than cores only add context switches (doc
    // GETs measured 21 us of CPU each with 2 workers on 2 cores, 26-28 us with 4).
    config.threads = sqlite ? std::max(2, cores) : std::max(4, 2 * cores);
  }
  // Nothing else in this process uses SQLite, and the store leases each connection to one
  // thread at a time: SQLite's own per-call locking would only cost.
  sql::UseUnlockedSqliteConnections();
  auto store = sql::OpenSqlStore({.url = database,
                                  .pool_size = static_cast<std::size_t>(config.threads),
                                  .sqlite_exclusive = !config.sqlite_shared,
                                  .migrate = config.migrate});
  if (!store && store.error().code() == ErrorCode::kUnavailable && sqlite && !config.sqlite_shared) {
    Fail(store.error().message() + "\n  (a second aitk-server on the same data directory? Stop it, or run both "
         "with --sqlite-shared)");
  }
  if (!store) Fail(store.error().message());
  // Set when the shutdown grace period is nearly over: git transfers still waiting on a
  // remote give up, so their requests answer and the git threads can be joined in time.
  std::atomic<bool> abandon_git_transfers{false};
  const std::chrono::seconds git_timeout(config.git_timeout_seconds);
  auto remote = git::MakeGit2Remote({.cache_dir = config.data_dir + "/git",
                                     .idle_timeout = git_timeout,
                                     .connect_timeout = git_timeout,
                                     .transfer_timeout = 10 * git_timeout,
                                     .cancel = &abandon_git_transfers});
  if (!remote) Fail(remote.error().message());

  ServiceOptions service_options;
  service_options.max_doc_bytes = config.max_body;
  service_options.max_lock_ttl = std::chrono::seconds(config.lock_ttl);
  web::EventHub events;  // committed changes fan out to SSE and WebSocket subscribers from here
  // In front of them: a lock's end wakes the background import it refused (below).
  LockEndTap lock_ends(events);
  EventPathOptions event_path;
  // Hook answers and docs come from memory; this server's own events (and, on PostgreSQL,
  // the ones relayed from other servers) drop them at once, and any other change shows
  // once an entry is older than --hook-staleness. A SQLite file held exclusively has no
  // other writer: every change passes through this server's services and their events,
  // so there nothing needs to age out. Docs are kept as their GET's answer, formatted once
  // per fill (docs/http.md, "The hook cache").
  if (config.hook_staleness_ms > 0) {
    const bool sole_writer = sqlite && !config.sqlite_shared;
    event_path.hook_cache = HookCacheOptions{
        .max_staleness = sole_writer ? Duration::max() : std::chrono::milliseconds(config.hook_staleness_ms),
        .render_doc = web::RenderDocAnswer};
  }
  // On PostgreSQL, other servers' events arrive by NOTIFY and are relayed to this server's
  // subscribers (and its hook cache) as if they were its own.
  const bool shared_database = database.rfind("postgres", 0) == 0;
  event_path.relay_remote_events = shared_database;
  SyncService sync(**store, SystemClock(), SystemRandom(), *box, lock_ends, service_options, event_path);
  aitk_server::ReportUnservableDocs(sync, std::cerr);
  // Passwords in repoUrls stored before they were sealed apart (docs/storage.md, migration 12).
  if (auto sealed = sync.projects().SealRepoUrlSecrets(); !sealed) {
    std::cerr << "aitk-server: cannot seal the passwords of stored repoUrls: " << sealed.error().ToString() << "\n";
  } else if (*sealed > 0) {
    std::cerr << "aitk-server: sealed the password of " << *sealed << " stored repoUrl(s)\n";
  }
  std::unique_ptr<sql::EventListener> listener;
  if (EventRelay* relay = sync.relay()) {
    // Events committed before this start are not relayed; a project created later is,
    // from its first event. After a lost connection the listener has the relay read
    // every project's log up to its head: notices sent meanwhile never arrive.
    if (Status started = relay->StartAtHeads(); !started.ok()) Fail(started.message());
    auto listening = sql::ListenForEvents(
        database, [relay](const std::string& project, std::int64_t seq) { relay->OnRemoteEvent(project, seq); },
        [relay] { return relay->CatchUp(); }, [relay] { return relay->RetryFailed(); });
    if (!listening) Fail(listening.error().message());
    listener = std::move(listening).value();
  }
  GitSyncService git_sync(sync.context(), **remote, {.allow_local_remotes = config.git_allow_local});
  // Imports nobody waits for (push webhooks, polls) run on the scheduler's own threads;
  // one the project's lock refuses runs again when the lock ends.
  GitSyncScheduler git_scheduler(
      git_sync, {.lock_ends = &lock_ends}, [](std::string_view project, const Result<ImportReport>& result) {
        if (result) return;
        std::cerr << "aitk-server: background import of " << project << ": " << result.error().ToString()
                  << (result.error().code() == ErrorCode::kLocked ? " (it runs when the lock ends)" : "") << "\n";
      });
  GitWebhookService webhooks(sync.context(), sync.projects(), git_scheduler);
  // Projects with syncIntervalSeconds are polled; with several servers on one database,
  // a lease per project in the database picks the one that polls it.
  GitPoller poller(sync.context(), git_sync, git_scheduler);
  const auto web_app = LoadWebApp(config);
  // A server holding its SQLite file alone is the only process that can read it, so it
  // takes the snapshots `aitk-server backup` asks for (POST /api/admin/backup).
  const bool holds_database_alone = sqlite && !config.sqlite_shared;
  std::unique_ptr<aitk_server::ServerSnapshots> snapshots;
  web::SnapshotTaker take_snapshot;
  if (holds_database_alone) {
    snapshots = std::make_unique<aitk_server::ServerSnapshots>(
        aitk_server::ServerSnapshotsOptions{.dir = config.data_dir + "/backups", .database_url = database});
    snapshots->RemoveExpired();
    take_snapshot = [&snapshots] { return snapshots->Take(); };
  }
  const web::Api api(sync, &git_sync,
                     {.admin_token = admin_token, .hook_cache = sync.hook_cache(), .web_app = web_app.get(),
                      .webhooks = &webhooks, .take_snapshot = take_snapshot});

  web::ServerOptions server_options;
  server_options.address = host;
  server_options.port = port;
  if (!config.tls_cert.empty()) server_options.tls = web::TlsFiles{config.tls_cert, config.tls_key};
  server_options.worker_threads = config.threads;
  server_options.idle_poll = std::chrono::microseconds(config.idle_poll_us);
  server_options.pin_network_threads = config.cpu_affinity;
  server_options.scheduler_slice = std::chrono::microseconds(config.sched_slice_us);
  // One network thread per core: cached hook answers are written from these threads.
  server_options.network_threads = std::min(cores, 4);
  server_options.max_body_bytes = config.max_body + 64 * 1024;
  server_options.events = &events;
  server_options.max_connections = static_cast<std::size_t>(config.max_connections);
  server_options.max_connections_per_address = static_cast<std::size_t>(config.max_connections_per_address);
  server_options.max_subscribers = static_cast<std::size_t>(config.max_streams);
  server_options.max_streams_per_address = static_cast<std::size_t>(config.max_streams_per_address);
  server_options.max_streams_per_credential = static_cast<std::size_t>(config.max_streams_per_key);
  auto server = web::Server::Start(api, server_options);
  if (!server) Fail(server.error().message());
  poller.Start();  // only once serving: a start that fails exits with no poll under way
  // Imports that waited for a lock when this server (or the one before it) stopped.
  if (auto resumed = git_scheduler.ResumeWaiting(sync.context()); !resumed) {
    std::cerr << "aitk-server: imports waiting for a lock were not resumed: " << resumed.error().ToString() << "\n";
  }
  const std::string base_url = (server_options.tls ? "https://" : "http://") + host + ":" + std::to_string((*server)->port());
  if (holds_database_alone) {
    // Where `aitk-server backup` finds this server: a loopback address even when it listens
    // on every interface, and over https the certificate to trust (no name to check there).
    // Written before "serving on" is logged, which is what a script starting the server
    // waits for before it may ask for a backup.
    const std::string reachable = host.empty() || host == "0.0.0.0" ? "127.0.0.1" : host == "[::]" ? "[::1]" : host;
    aitk_server::ServerAddress address{
        .url = (server_options.tls ? "https://" : "http://") + reachable + ":" + std::to_string((*server)->port()),
        .database = "sqlite://" + fs::absolute(database.substr(std::string_view("sqlite://").size())).string(),
        .certificate = config.tls_cert.empty() ? "" : fs::absolute(config.tls_cert).string()};
    if (const Status s = aitk_server::PublishServerAddress(config.data_dir, address); !s.ok()) {
      std::cerr << "aitk-server: `aitk-server backup` will not find this server: " << s.message() << "\n";
    }
  }
  std::cerr << "aitk-server: serving on " << base_url << " (store: " << (*store)->Kind()
            << "; open file limit " << file_limit << ")\n";
  if (web_app) std::cerr << "aitk-server: the web app is at " << base_url << "/\n";
  if (config.demo) CreateDemo(sync, base_url, config.data_dir + "/admin-token");

  // Expired locks are announced (lock:expired) within seconds of expiring.
  std::mutex reaper_mutex;
  std::condition_variable reaper_wake;
  bool stopping = false;
  std::thread reaper([&] {
    std::unique_lock lock(reaper_mutex);
    for (int round = 1; !reaper_wake.wait_for(lock, std::chrono::seconds(5), [&] { return stopping; }); ++round) {
      if (auto reaped = sync.locks().ReapExpired(); !reaped) {
        std::cerr << "aitk-server: reaping expired locks failed: " << reaped.error().ToString() << "\n";
      }
      if (snapshots && round % 12 == 0) snapshots->RemoveExpired();  // each minute: snapshots nobody collected
    }
  });

  int signal_number = 0;
  for (sigwait(&signals, &signal_number); signal_number == SIGHUP; sigwait(&signals, &signal_number)) {
    // A renewed certificate is put in place, then the server told: new handshakes use the
    // new pair, open connections keep theirs. A broken pair leaves the old one serving.
    if (!server_options.tls) {
      std::cerr << "aitk-server: SIGHUP: nothing to reload (not serving TLS)\n";
    } else if (const Status reloaded = (*server)->ReloadTls(); reloaded.ok()) {
      std::cerr << "aitk-server: SIGHUP: reloaded the TLS certificate " << config.tls_cert << " and key "
                << config.tls_key << "\n";
    } else {
      std::cerr << "aitk-server: SIGHUP: kept the current TLS certificate: " << reloaded.message() << "\n";
    }
  }
  std::cerr << "aitk-server: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << ", finishing in-flight requests\n";
  constexpr std::chrono::seconds kGrace(10);
  // Two seconds before the grace period ends, transfers that still wait on a remote are
  // abandoned (their requests answer 503), so a hung remote cannot hold the shutdown.
  std::thread abandon([&] {
    std::unique_lock lock(reaper_mutex);
    if (!reaper_wake.wait_for(lock, kGrace - std::chrono::seconds(2), [&] { return stopping; })) {
      abandon_git_transfers = true;
    }
  });
  aitk_server::ForgetServerAddress(config.data_dir);  // new backups go straight to the file from now on
  (*server)->Stop(kGrace);
  abandon_git_transfers = true;  // background imports still waiting on a remote end now
  {
    std::lock_guard lock(reaper_mutex);
    stopping = true;
  }
  reaper_wake.notify_all();
  abandon.join();
  reaper.join();
  std::cerr << "aitk-server: stopped\n";
  return 0;
}
