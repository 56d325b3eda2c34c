// The Python module `libsync`: the core's use cases under Pythonic names. Every call
// releases the GIL while it runs (store and git work can block), and every failure is
// raised as a libsync.Error subclass carrying the error code.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "errors.hpp"
#include "libsync/aes_gcm_secret_box.hpp"
#include "library.hpp"
#include "models.hpp"

namespace libsync::python {
namespace py = pybind11;
using namespace pybind11::literals;

namespace {

/// The library seen by one caller: the admin, or the holder of one API key.
struct Session {
  std::shared_ptr<Library> lib;
  Caller who;       ///< as authenticated when the session was made
  std::string key;  ///< the plain key; empty for the admin
  SyncService& sync() const { return lib->sync(); }
  /// The caller of the next call. A key is checked again on every call, through the
  /// library's hook cache: from memory, and dropped at once by a revocation or deletion
  /// made through this library (one made elsewhere shows within the cache's bound).
  Caller caller() const {
    if (key.empty()) return who;
    return Unwrap(lib->sync().hook_cache()->Authenticate(key));
  }
};

// The service groups, exposed as attributes of a Session (lib.docs.put(...)).
struct Projects { Session s; };
struct Docs { Session s; };
struct Locks { Session s; };
struct Keys { Session s; };
struct Events { Session s; };
struct Hooks { Session s; };
struct Git { Session s; };

using Release = py::call_guard<py::gil_scoped_release>;

std::optional<Duration> Seconds(std::optional<int> seconds) {
  if (!seconds) return std::nullopt;
  return std::chrono::seconds(*seconds);
}

KeyScope ScopeOf(const std::string& text) {
  KeyScope scope;
  if (!ParseScope(text, &scope)) throw StatusError(Status::InvalidArgument("scope must be 'read' or 'write'"));
  return scope;
}

void BindSession(py::module_& m) {
  py::class_<Session>(m, "Library",
                      "An open libsync store with its services. Attributes group the use cases: "
                      "projects, docs, locks, keys, events, hooks, git. Calls act as the admin, or as "
                      "a project key after as_key().")
      .def_property_readonly("projects", [](const Session& s) { return Projects{s}; })
      .def_property_readonly("docs", [](const Session& s) { return Docs{s}; })
      .def_property_readonly("locks", [](const Session& s) { return Locks{s}; })
      .def_property_readonly("keys", [](const Session& s) { return Keys{s}; })
      .def_property_readonly("events", [](const Session& s) { return Events{s}; })
      .def_property_readonly("hooks", [](const Session& s) { return Hooks{s}; })
      .def_property_readonly("git", [](const Session& s) { return Git{s}; })
      .def_property_readonly("store_kind", [](const Session& s) { return std::string(s.lib->store_kind()); })
      .def_property_readonly("is_admin", [](const Session& s) { return s.who.is_admin(); })
      .def(
          "as_key",
          [](const Session& s, const std::string& secret) {
            return Session{s.lib, Unwrap(s.lib->sync().hook_cache()->Authenticate(secret)), secret};
          },
          "secret"_a, Release(),
          "The same library seen by the holder of API key `secret` (scope and project limits apply). "
          "Raises Unauthenticated for an unknown or revoked key, here and on every later call "
          "once the key is revoked.");
}

void BindProjects(py::module_& m) {
  py::class_<Projects>(m, "Projects", "Create, read, change and delete projects (admin).")
      .def(
          "create",
          [](const Projects& p, const std::string& name, const std::string& repo_url, const std::string& token,
             std::optional<std::string> branch, std::optional<std::string> docs_path) {
            return Unwrap(p.s.sync().projects().Create(p.s.caller(), {name, repo_url, token, branch, docs_path}));
          },
          "name"_a, "repo_url"_a, "token"_a = "", "branch"_a = py::none(), "docs_path"_a = py::none(), Release(),
          "Creates a project; the git token is sealed before it is stored and never shown again.")
      .def("list", [](const Projects& p) { return Unwrap(p.s.sync().projects().List(p.s.caller())); }, Release())
      .def("get", [](const Projects& p, const std::string& id) { return Unwrap(p.s.sync().projects().Get(p.s.caller(), id)); },
           "project_id"_a, Release())
      .def(
          "update",
          [](const Projects& p, const std::string& id, std::optional<std::string> name,
             std::optional<std::string> repo_url, std::optional<std::string> token, std::optional<std::string> branch,
             std::optional<std::string> docs_path) {
            return Unwrap(p.s.sync().projects().Update(p.s.caller(), id, {name, repo_url, token, branch, docs_path}));
          },
          "project_id"_a, "name"_a = py::none(), "repo_url"_a = py::none(), "token"_a = py::none(),
          "branch"_a = py::none(), "docs_path"_a = py::none(), Release(), "Changes the given fields.")
      .def("delete", [](const Projects& p, const std::string& id) { ThrowIfError(p.s.sync().projects().Delete(p.s.caller(), id)); },
           "project_id"_a, Release(), "Deletes the project with its docs, history, lock, keys and events.");
}

void BindDocs(py::module_& m) {
  py::class_<Docs>(m, "Docs", "Documents: versioned, hashed, guarded by the project's lock.")
      .def("list", [](const Docs& d, const std::string& pid) { return Unwrap(d.s.sync().docs().List(d.s.caller(), pid)); },
           "project_id"_a, Release())
      .def("get",
           [](const Docs& d, const std::string& pid, const std::string& name) {
             return Unwrap(d.s.sync().docs().Get(d.s.caller(), pid, name));
           },
           "project_id"_a, "file_name"_a, Release())
      .def(
          "put",
          [](const Docs& d, const std::string& pid, const std::string& name, const std::string& content,
             std::optional<std::int64_t> base_version, std::optional<std::string> lock_token) {
            return Unwrap(d.s.sync().docs().Put(d.s.caller(), pid, name, content, {base_version, lock_token}));
          },
          "project_id"_a, "file_name"_a, "content"_a, "base_version"_a = py::none(), "lock_token"_a = py::none(),
          Release(),
          "Writes a doc. base_version makes it conditional (PreconditionFailed when the doc moved on); "
          "while the project is locked, lock_token must be the live lock's (else Locked). Writing the "
          "same content again changes nothing (DocWrite.changed is False).")
      .def(
          "delete",
          [](const Docs& d, const std::string& pid, const std::string& name, std::optional<std::int64_t> base_version,
             std::optional<std::string> lock_token) {
            ThrowIfError(d.s.sync().docs().Delete(d.s.caller(), pid, name, {base_version, lock_token}));
          },
          "project_id"_a, "file_name"_a, "base_version"_a = py::none(), "lock_token"_a = py::none(), Release())
      .def("history",
           [](const Docs& d, const std::string& pid, const std::string& name) {
             return Unwrap(d.s.sync().docs().History(d.s.caller(), pid, name));
           },
           "project_id"_a, "file_name"_a, Release(), "Every version, newest first (without content).")
      .def("version",
           [](const Docs& d, const std::string& pid, const std::string& name, std::int64_t n) {
             return Unwrap(d.s.sync().docs().Version(d.s.caller(), pid, name, n));
           },
           "project_id"_a, "file_name"_a, "version"_a, Release(), "One version, with its content.")
      .def(
          "revert",
          [](const Docs& d, const std::string& pid, const std::string& name, std::int64_t n,
             std::optional<std::int64_t> base_version, std::optional<std::string> lock_token) {
            return Unwrap(d.s.sync().docs().Revert(d.s.caller(), pid, name, n, {base_version, lock_token}));
          },
          "project_id"_a, "file_name"_a, "version"_a, "base_version"_a = py::none(), "lock_token"_a = py::none(),
          Release(), "Writes an old version's content as a new version.");
}

void BindLocks(py::module_& m) {
  py::class_<Locks>(m, "Locks", "The project's edit lock: one holder, a secret token, increasing fences.")
      .def("get", [](const Locks& l, const std::string& pid) { return Unwrap(l.s.sync().locks().Get(l.s.caller(), pid)); },
           "project_id"_a, Release(), "The live lock, or None.")
      .def(
          "acquire",
          [](const Locks& l, const std::string& pid, const std::string& locked_by, const std::string& reason,
             std::optional<int> ttl_seconds, std::optional<std::string> token) {
            return Unwrap(l.s.sync().locks().Acquire(l.s.caller(), pid, {locked_by, reason, Seconds(ttl_seconds), token}));
          },
          "project_id"_a, "locked_by"_a, "reason"_a = "", "ttl_seconds"_a = py::none(), "token"_a = py::none(),
          Release(), "Takes the lock (LockHeld with the holder in .details when taken); the holder passing its token renews it.")
      .def("extend",
           [](const Locks& l, const std::string& pid, const std::string& token, std::optional<int> ttl_seconds) {
             return Unwrap(l.s.sync().locks().Extend(l.s.caller(), pid, token, Seconds(ttl_seconds)));
           },
           "project_id"_a, "token"_a, "ttl_seconds"_a = py::none(), Release())
      .def("release",
           [](const Locks& l, const std::string& pid, const std::string& token) {
             return Unwrap(l.s.sync().locks().Release(l.s.caller(), pid, token));
           },
           "project_id"_a, "token"_a, Release(), "True when the lock was released, False when none was live.")
      .def("force_release",
           [](const Locks& l, const std::string& pid, const std::string& reason) {
             return Unwrap(l.s.sync().locks().ForceRelease(l.s.caller(), pid, reason));
           },
           "project_id"_a, "reason"_a, Release(), "Admin override, recorded with its reason in the event log.")
      .def(
          "verify",
          [](const Locks& l, const std::string& pid, const std::string& token) -> std::optional<std::string> {
            switch (Unwrap(l.s.sync().locks().Verify(l.s.caller(), pid, token))) {
              case LockOwnership::kOurs: return "ours";
              case LockOwnership::kTheirs: return "theirs";
              case LockOwnership::kNone: break;
            }
            return std::nullopt;
          },
          "project_id"_a, "token"_a, Release(), "'ours', 'theirs', or None when unlocked.")
      .def("reap_expired", [](const Locks& l) { return Unwrap(l.s.sync().locks().ReapExpired()); }, Release(),
           "Removes expired locks (announcing each); returns how many.");
}

void BindKeysEventsHooksGit(py::module_& m) {
  py::class_<Keys>(m, "Keys", "Per-project API keys (admin).")
      .def("create",
           [](const Keys& k, const std::string& pid, const std::string& name, const std::string& scope) {
             return Unwrap(k.s.sync().keys().Create(k.s.caller(), pid, name, ScopeOf(scope)));
           },
           "project_id"_a, "name"_a, "scope"_a = "read", Release(), "A new key; .secret is shown only here.")
      .def("list", [](const Keys& k, const std::string& pid) { return Unwrap(k.s.sync().keys().List(k.s.caller(), pid)); },
           "project_id"_a, Release())
      .def("revoke", [](const Keys& k, const std::string& id) { ThrowIfError(k.s.sync().keys().Revoke(k.s.caller(), id)); },
           "key_id"_a, Release());

  py::class_<Events>(m, "Events", "The project's event log.")
      .def("since",
           [](const Events& e, const std::string& pid, std::int64_t seq) {
             return Unwrap(e.s.sync().events().Since(e.s.caller(), pid, seq));
           },
           "project_id"_a, "seq"_a = 0, Release(), "Events after `seq` (Gone when older than the retained log).")
      .def("head", [](const Events& e, const std::string& pid) { return Unwrap(e.s.sync().events().Head(e.s.caller(), pid)); },
           "project_id"_a, Release());

  py::class_<Hooks>(m, "Hooks", "What workstations ask: locked? changed? everything.")
      .def("status", [](const Hooks& h, const std::string& pid) { return Unwrap(h.s.sync().hooks().LockState(h.s.caller(), pid)); },
           "project_id"_a, Release(), "The live lock, or None.")
      .def("docs_hash", [](const Hooks& h, const std::string& pid) { return Unwrap(h.s.sync().hooks().DocsHash(h.s.caller(), pid)); },
           "project_id"_a, Release())
      .def("pull", [](const Hooks& h, const std::string& pid) { return Unwrap(h.s.sync().hooks().Pull(h.s.caller(), pid)); },
           "project_id"_a, Release(), "Every doc and their hash; records the key's pull.");

  py::class_<Git>(m, "Git", "Sync with the project's git branch (needs open(..., git_cache_dir=...)).")
      .def(
          "sync",
          [](const Git& g, const std::string& pid, std::optional<std::string> path, bool recursive,
             std::optional<std::string> lock_token) {
            return Unwrap(Unwrap(g.s.lib->git())->Import(g.s.caller(), pid, {path, recursive, lock_token}));
          },
          "project_id"_a, "path"_a = py::none(), "recursive"_a = true, "lock_token"_a = py::none(), Release(),
          "Imports the branch's docs folder (or `path`, a folder in it; docs keep their names under the "
          "docsPath): new, updated (three-way merged), deleted, conflicts.")
      .def(
          "push",
          [](const Git& g, const std::string& pid, std::optional<std::string> file_name,
             std::optional<std::string> lock_token) {
            return Unwrap(Unwrap(g.s.lib->git())->Export(g.s.caller(), pid, {file_name, lock_token}));
          },
          "project_id"_a, "file_name"_a = py::none(), "lock_token"_a = py::none(), Release(),
          "Commits changed docs (or one) and pushes them in one commit.");
}

}  // namespace

PYBIND11_MODULE(libsync, m) {
  m.doc() = "libsync: a team's AI-context documents, versioned, locked and synced with git.";
  RegisterErrors(m);
  BindModels(m);
  BindSession(m);
  BindProjects(m);
  BindDocs(m);
  BindLocks(m);
  BindKeysEventsHooksGit(m);
  m.def(
      "open",
      [](const std::string& database, const std::string& encryption_key, const std::string& git_cache_dir,
         int lock_ttl_seconds, bool git_allow_local) {
        auto lib = Unwrap(Library::Open({.database = database,
                                         .encryption_key = encryption_key,
                                         .git_cache_dir = git_cache_dir,
                                         .git_allow_local = git_allow_local,
                                         .lock_ttl_seconds = lock_ttl_seconds}));
        return Session{std::move(lib), Caller::Admin(), {}};
      },
      "database"_a = "memory", "encryption_key"_a = "", "git_cache_dir"_a = "", "lock_ttl_seconds"_a = 1800,
      "git_allow_local"_a = false, Release(),
      "Opens a store: 'memory', 'sqlite:///path/to.db' or 'postgresql://user@host:port/db'. SQL databases "
      "are created and migrated as needed. encryption_key seals git tokens (the text aitk-server keeps in "
      "its encryption.key; default: a fresh key for this process). git_allow_local lets projects name "
      "repositories on this machine (paths, file:// URLs); off, such syncs fail with InvalidArgument. "
      "Returns a Library acting as the admin.");
  m.def("generate_encryption_key", [](const std::string& id) { return FormatSecretKey(GenerateSecretKey(id)); },
        "key_id"_a = "k1", "A new AES-256-GCM key as text, for open(encryption_key=...).");
}

}  // namespace libsync::python
