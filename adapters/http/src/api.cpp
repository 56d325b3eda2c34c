// Routing and the handlers of DESIGN §5. Each handler authenticates, decodes and validates
// its input, calls one use case and shapes the answer; use-case failures become the error
// body through ErrorResponse, so every code maps to its one status.

#include "libsync/http/api.hpp"

#include <algorithm>
#include <charconv>

#include "json_body.hpp"
#include "libsync/hashing.hpp"
#include "responses.hpp"
#include "target.hpp"

namespace libsync::web {

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

constexpr std::int64_t kMaxTtlSeconds = 366LL * 24 * 3600;

Response MethodNotAllowed(std::string allow) {
  Response r = JsonResponse(405, object{{"statusCode", 405},
                                        {"error", "Method Not Allowed"},
                                        {"message", "use " + allow},
                                        {"code", "MethodNotAllowed"}});
  r.headers.emplace_back("allow", std::move(allow));
  return r;
}

Response NoRoute() { return ErrorResponse(Status::NotFound("no such route")); }

/// Every failure path of a handler is a Status; this turns a Result into a response.
template <class T, class Fn>
Response Reply(Result<T> result, Fn&& to_response) {
  if (!result) return ErrorResponse(result.error());
  return to_response(std::move(result).value());
}

std::optional<std::string> LockToken(const Request& req) {
  const std::string_view token = req.Header("x-lock-token");
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

/// "v3", "\"v3\"" or W/"v3" -> 3.
Result<std::int64_t> ParseETag(std::string_view tag) {
  if (tag.rfind("W/", 0) == 0) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  std::int64_t version = -1;
  if (tag.size() < 2 || tag.front() != 'v' ||
      std::from_chars(tag.data() + 1, tag.data() + tag.size(), version).ptr != tag.data() + tag.size() || version < 1) {
    return Status::InvalidArgument("If-Match must be an ETag this server sent, like \"v3\"");
  }
  return version;
}

/// The write's conditions: the expected version from If-Match / If-None-Match and
/// `body_version` (baseVersion), and the caller's lock token.
Result<WriteGuard> Guard(const Request& req, std::optional<std::int64_t> body_version) {
  WriteGuard guard{body_version, LockToken(req)};
  if (const auto match = req.Header("if-match"); !match.empty()) {
    if (match == "*") {
      guard.must_exist = true;  // RFC 9110 §13.1.1: any current version will do
    } else {
      LIBSYNC_ASSIGN_OR_RETURN(std::int64_t v, ParseETag(match));
      if (guard.expected_version && *guard.expected_version != v) {
        return Status::InvalidArgument("If-Match and baseVersion disagree");
      }
      guard.expected_version = v;
    }
  }
  if (req.Header("if-none-match") == "*") {
    if ((guard.expected_version && *guard.expected_version != 0) || guard.must_exist) {
      return Status::InvalidArgument("If-None-Match: * and If-Match or a version disagree");
    }
    guard.expected_version = 0;  // create only
  }
  return guard;
}

// The original hooks' shapes: {"locked":false} or the holder, and {"hash","docsCount"}.
Response LockStateResponse(std::optional<Lock> lock) {
  if (!lock) return JsonResponse(200, object{{"locked", false}});
  return JsonResponse(200, object{{"locked", true},
                                  {"lockedBy", lock->locked_by},
                                  {"lockedAt", FormatTimestamp(lock->locked_at)},
                                  {"expiresAt", FormatTimestamp(lock->expires_at)},
                                  {"reason", lock->reason.empty() ? value(nullptr) : value(lock->reason)}});
}

Response DocsHashResponse(DocsState state) {
  return JsonResponse(200, object{{"hash", state.hash}, {"docsCount", state.count}});
}

class Router {
 public:
  Router(SyncService& sync, GitSyncService* git, const ApiOptions& options, const Request& req)
      : sync_(sync), git_(git), options_(options), req_(req) {}

  Response Route() {
    auto parsed = ParseTarget(req_.target);
    if (!parsed) return ErrorResponse(Status::InvalidArgument("malformed request target"));
    target_ = std::move(*parsed);
    auto& s = target_.segments;
    if (s.empty() || s[0] != "api") return NoRoute();
    s.erase(s.begin());
    if (s.size() == 1 && s[0] == "health") return Only("GET", [&] { return Health(); });
    if (!s.empty() && s[0] == "hook") return Hook();
    if (!s.empty() && s[0] == "projects") return Projects();
    return NoRoute();
  }

  /// The hook status and docs-hash answers when the hook cache holds everything they need
  /// (key and project entry); nullopt otherwise. Never touches the store.
  std::optional<Response> RouteCached() {
    HookCache* cache = options_.hook_cache;
    const auto key = CacheableKey();
    if (key.empty() || req_.method != "GET" || !req_.target.starts_with("/api/hook/")) return std::nullopt;
    auto parsed = ParseTarget(req_.target);
    if (!parsed || !parsed->query.empty()) return std::nullopt;
    const auto& s = parsed->segments;
    if (s.size() != 4 || s[0] != "api" || s[1] != "hook" || (s[2] != "status" && s[2] != "docs")) return std::nullopt;
    auto id = PercentDecode(s[3]);
    if (!id) return std::nullopt;
    auto caller = cache->PeekAuthenticate(key);
    if (!caller) return std::nullopt;
    if (!*caller) return ErrorResponse(caller->error());
    if (s[2] == "status") {
      auto state = cache->PeekLockState(**caller, *id);
      if (!state) return std::nullopt;
      return Reply(std::move(*state), LockStateResponse);
    }
    auto docs = cache->PeekDocsHash(**caller, *id);
    if (!docs) return std::nullopt;
    return Reply(std::move(*docs), DocsHashResponse);
  }

  /// The caller the request's credentials stand for (for transports' own routes).
  Result<Caller> AuthenticateOnly() { return Authenticate(); }

 private:
  // --- plumbing ---------------------------------------------------------------------
  template <class Fn>
  Response Only(std::string_view method, Fn&& fn) {
    if (req_.method != method) return MethodNotAllowed(std::string(method));
    return fn();
  }

  Result<Caller> Authenticate() {
    if (const auto auth = req_.Header("authorization"); !auth.empty()) {
      constexpr std::string_view kBearer = "Bearer ";
      if (auth.rfind(kBearer, 0) == 0 && ConstantTimeEquals(auth.substr(kBearer.size()), options_.admin_token)) {
        return Caller::Admin();
      }
      return Status::Unauthenticated("invalid admin token");
    }
    if (const auto key = req_.Header("x-api-key"); !key.empty()) return sync_.keys().Authenticate(key);
    return Status::Unauthenticated("missing credentials: send Authorization: Bearer <admin token> or X-API-Key");
  }

  /// Authenticates, then runs `fn(caller)` returning a Response.
  template <class Fn>
  Response WithCaller(Fn&& fn) {
    auto caller = Authenticate();
    if (!caller) return ErrorResponse(caller.error());
    return fn(*caller);
  }

  /// The request's API key when the hook cache may authenticate it: there is a cache and
  /// the request carries a key and no admin token (which Authenticate would check first).
  /// Empty otherwise.
  std::string_view CacheableKey() const {
    if (!options_.hook_cache || !req_.Header("authorization").empty()) return {};
    return req_.Header("x-api-key");
  }

  /// As WithCaller, with keys checked through the hook cache when there is one.
  template <class Fn>
  Response WithHookCaller(Fn&& fn) {
    const auto key = CacheableKey();
    if (key.empty()) return WithCaller(fn);
    auto caller = options_.hook_cache->Authenticate(key);
    if (!caller) return ErrorResponse(caller.error());
    return fn(*caller);
  }

  Result<std::string> Segment(std::size_t i) {
    auto decoded = PercentDecode(target_.segments[i]);
    if (!decoded) return Status::InvalidArgument("malformed percent-encoding in the path");
    return std::move(*decoded);
  }

  /// Raw segments [from, to) joined with '/' and decoded, so %2F and '/' both nest.
  Result<std::string> FileName(std::size_t from, std::size_t to) {
    std::string raw;
    for (std::size_t i = from; i < to; ++i) {
      if (i > from) raw += '/';
      raw += target_.segments[i];
    }
    auto decoded = PercentDecode(raw);
    if (!decoded) return Status::InvalidArgument("malformed percent-encoding in fileName");
    return std::move(*decoded);
  }

  // --- routes -----------------------------------------------------------------------
  Response Health() {
    return JsonResponse(200, object{{"status", "ok"},
                                    {"version", options_.version},
                                    {"store", sync_.context().store.Kind()}});
  }

  Response Hook() {
    auto& s = target_.segments;
    if (s.size() != 3) return NoRoute();
    auto id = Segment(2);
    if (!id) return ErrorResponse(id.error());
    if (s[1] == "status") return Only("GET", [&] { return HookStatus(*id); });
    if (s[1] == "docs") return Only("GET", [&] { return HookDocs(*id); });
    if (s[1] == "sync") {
      if (req_.method != "GET" && req_.method != "POST") return MethodNotAllowed("GET, POST");
      return HookSync(*id);
    }
    return NoRoute();
  }

  Response HookStatus(const std::string& id) {
    return WithHookCaller([&](const Caller& caller) {
      auto state = options_.hook_cache ? options_.hook_cache->LockState(caller, id) : sync_.hooks().LockState(caller, id);
      return Reply(std::move(state), LockStateResponse);
    });
  }

  Response HookDocs(const std::string& id) {
    return WithHookCaller([&](const Caller& caller) {
      auto docs = options_.hook_cache ? options_.hook_cache->DocsHash(caller, id) : sync_.hooks().DocsHash(caller, id);
      return Reply(std::move(docs), DocsHashResponse);
    });
  }

  Response HookSync(const std::string& id) {
    return WithHookCaller([&](const Caller& caller) {
      return Reply(sync_.hooks().Pull(caller, id), [](DocsSnapshot snapshot) { return SnapshotResponse(snapshot); });
    });
  }

  Response Projects() {
    auto& s = target_.segments;
    if (s.size() == 1) {
      if (req_.method == "GET") return WithCaller([&](const Caller& c) { return ListProjects(c); });
      if (req_.method == "POST") return WithCaller([&](const Caller& c) { return CreateProject(c); });
      return MethodNotAllowed("GET, POST");
    }
    if (s.size() == 3 && s[1] == "api-keys") {
      return Only("DELETE", [&] { return WithCaller([&](const Caller& c) { return RevokeKey(c); }); });
    }
    auto id = Segment(1);
    if (!id) return ErrorResponse(id.error());
    if (s.size() == 2) {
      if (req_.method == "GET") {
        return WithCaller([&](const Caller& c) {
          return Reply(sync_.projects().Get(c, *id), [](ProjectView p) { return JsonResponse(200, ProjectJson(p)); });
        });
      }
      if (req_.method == "PUT") return WithCaller([&](const Caller& c) { return UpdateProject(c, *id); });
      if (req_.method == "DELETE") {
        return WithCaller([&](const Caller& c) {
          Status st = sync_.projects().Delete(c, *id);
          return st.ok() ? JsonResponse(200, object{{"deleted", true}}) : ErrorResponse(st);
        });
      }
      return MethodNotAllowed("GET, PUT, DELETE");
    }
    const std::string_view part = s[2];
    if (part == "api-keys" && s.size() == 3) {
      if (req_.method == "GET") return WithCaller([&](const Caller& c) { return ListKeys(c, *id); });
      if (req_.method == "POST") return WithCaller([&](const Caller& c) { return CreateKey(c, *id); });
      return MethodNotAllowed("GET, POST");
    }
    if (part == "docs") return Docs(*id);
    if (part == "push" && s.size() == 3 && git_) {
      return Only("POST", [&] { return WithCaller([&](const Caller& c) { return Push(c, *id, std::nullopt); }); });
    }
    if (part == "lock") return LockRoutes(*id);
    if (part == "consumers" && s.size() == 3) {
      return Only("GET", [&] { return WithCaller([&](const Caller& c) { return Consumers(c, *id); }); });
    }
    return NoRoute();
  }

  Response ListProjects(const Caller& caller) {
    return Reply(sync_.projects().List(caller), [](std::vector<ProjectView> list) {
      array out;
      for (const auto& p : list) out.push_back(ProjectJson(p));
      return JsonResponse(200, out);
    });
  }

  /// The project fields of a POST or PUT body, all optional here.
  Result<ProjectChanges> ReadProjectFields() {
    LIBSYNC_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(req_.body, {"name", "repoUrl", "token", "branch", "docsPath"}));
    ProjectChanges fields;
    LIBSYNC_ASSIGN_OR_RETURN(fields.name, body.OptionalString("name"));
    LIBSYNC_ASSIGN_OR_RETURN(fields.repo_url, body.OptionalString("repoUrl"));
    LIBSYNC_ASSIGN_OR_RETURN(fields.token, body.OptionalString("token"));
    LIBSYNC_ASSIGN_OR_RETURN(fields.branch, body.OptionalString("branch"));
    LIBSYNC_ASSIGN_OR_RETURN(fields.docs_path, body.OptionalString("docsPath"));
    return fields;
  }

  Response CreateProject(const Caller& caller) {
    auto fields = ReadProjectFields();
    if (!fields) return ErrorResponse(fields.error());
    if (!fields->name) return ErrorResponse(Status::InvalidArgument("field 'name' is required"));
    if (!fields->repo_url) return ErrorResponse(Status::InvalidArgument("field 'repoUrl' is required"));
    const NewProject input{*fields->name, *fields->repo_url, fields->token.value_or(""), fields->branch,
                           fields->docs_path};
    return Reply(sync_.projects().Create(caller, input), [](ProjectView p) { return JsonResponse(201, ProjectJson(p)); });
  }

  Response UpdateProject(const Caller& caller, const std::string& id) {
    auto fields = ReadProjectFields();
    if (!fields) return ErrorResponse(fields.error());
    return Reply(sync_.projects().Update(caller, id, *fields), [](ProjectView p) { return JsonResponse(200, ProjectJson(p)); });
  }

  Response ListKeys(const Caller& caller, const std::string& id) {
    return Reply(sync_.keys().List(caller, id), [](std::vector<ApiKey> keys) {
      array out;
      for (const auto& k : keys) out.push_back(ApiKeyJson(k));
      return JsonResponse(200, out);
    });
  }

  Response CreateKey(const Caller& caller, const std::string& id) {
    auto body = JsonBody::Parse(req_.body, {"name", "scope"});
    if (!body) return ErrorResponse(body.error());
    auto name = body->RequiredString("name");
    if (!name) return ErrorResponse(name.error());
    auto scope_text = body->OptionalString("scope");
    if (!scope_text) return ErrorResponse(scope_text.error());
    KeyScope scope = KeyScope::kRead;
    if (*scope_text && !ParseScope(**scope_text, &scope)) {
      return ErrorResponse(Status::InvalidArgument("field 'scope' must be \"read\" or \"write\""));
    }
    return Reply(sync_.keys().Create(caller, id, *name, scope), [](CreatedApiKey created) {
      object o = ApiKeyJson(created.key);
      o["key"] = created.plain_key;  // shown once
      return JsonResponse(201, o);
    });
  }

  Response RevokeKey(const Caller& caller) {
    auto key_id = Segment(2);
    if (!key_id) return ErrorResponse(key_id.error());
    Status st = sync_.keys().Revoke(caller, *key_id);
    return st.ok() ? JsonResponse(200, object{{"id", *key_id}, {"isActive", false}}) : ErrorResponse(st);
  }

  Response Consumers(const Caller& caller, const std::string& id) {
    return Reply(sync_.hooks().Consumers(caller, id), [](std::vector<Consumer> consumers) {
      array out;
      for (const auto& c : consumers) {
        object o = ApiKeyJson(c.key);
        o["current"] = c.current;
        out.push_back(std::move(o));
      }
      return JsonResponse(200, out);
    });
  }

  // --- docs -------------------------------------------------------------------------
  Response Docs(const std::string& id) {
    auto& s = target_.segments;
    const std::size_t first = 3;  // after projects/:id/docs
    const std::size_t n = s.size();
    if (n == first) {
      return Only("GET", [&] {
        return WithCaller([&](const Caller& c) {
          return Reply(sync_.docs().List(c, id), [](std::vector<Doc> docs) { return DocListResponse(docs); });
        });
      });
    }
    if (n == first + 1 && s[first] == "sync" && req_.method == "POST" && git_) {
      return WithCaller([&](const Caller& c) { return Import(c, id); });
    }
    // Sub-routes are recognised by their last raw segments; a doc whose name really ends in
    // such a word is reached with the name percent-encoded as one segment.
    if (n >= first + 2 && s[n - 1] == "history" && req_.method == "GET") {
      return WithFile(first, n - 1, [&](const Caller& c, const std::string& file) {
        return Reply(sync_.docs().History(c, id, file), [](std::vector<DocVersion> versions) {
          array out;
          for (const auto& v : versions) out.push_back(VersionJson(v, false));
          return JsonResponse(200, out);
        });
      });
    }
    if (n >= first + 3 && s[n - 2] == "versions" && req_.method == "GET") {
      std::int64_t number = 0;
      const std::string_view raw = s[n - 1];
      if (std::from_chars(raw.data(), raw.data() + raw.size(), number).ptr != raw.data() + raw.size() || number < 1) {
        return ErrorResponse(Status::InvalidArgument("version must be a positive integer"));
      }
      return WithFile(first, n - 2, [&](const Caller& c, const std::string& file) {
        return Reply(sync_.docs().Version(c, id, file, number),
                     [](DocVersion v) { return JsonResponse(200, VersionJson(v, true)); });
      });
    }
    if (n >= first + 2 && s[n - 1] == "revert" && req_.method == "POST") {
      return WithFile(first, n - 1, [&](const Caller& c, const std::string& file) { return Revert(c, id, file); });
    }
    if (n >= first + 2 && s[n - 1] == "push" && req_.method == "POST" && git_) {
      return WithFile(first, n - 1, [&](const Caller& c, const std::string& file) { return Push(c, id, file); });
    }
    if (req_.method == "GET") {
      if (auto answer = GetDocWithKey(id, first, n)) return std::move(*answer);
      return WithFile(first, n, [&](const Caller& c, const std::string& file) {
        return Reply(sync_.docs().Get(c, id, file), [](Doc d) { return DocResponse(200, d); });
      });
    }
    if (req_.method == "PUT") {
      return WithFile(first, n, [&](const Caller& c, const std::string& file) { return PutDoc(c, id, file); });
    }
    if (req_.method == "DELETE") {
      return WithFile(first, n, [&](const Caller& c, const std::string& file) { return DeleteDoc(c, id, file); });
    }
    return MethodNotAllowed("GET, PUT, DELETE");
  }

  /// A doc GET with an API key (and no admin token): the key and the doc are read in one
  /// store transaction. Nullopt when the request has no such key or its fileName does
  /// not decode; WithFile then answers, checking credentials first as everywhere.
  std::optional<Response> GetDocWithKey(const std::string& id, std::size_t from, std::size_t to) {
    const auto key = req_.Header("x-api-key");
    if (key.empty() || !req_.Header("authorization").empty()) return std::nullopt;
    auto file = FileName(from, to);
    if (!file) return std::nullopt;
    return Reply(sync_.docs().GetWithKeyInOneTransaction(key, id, *file), [](Doc d) { return DocResponse(200, d); });
  }

  template <class Fn>
  Response WithFile(std::size_t from, std::size_t to, Fn&& fn) {
    return WithCaller([&](const Caller& caller) {
      auto file = FileName(from, to);
      if (!file) return ErrorResponse(file.error());
      return fn(caller, *file);
    });
  }

  Response PutDoc(const Caller& caller, const std::string& id, const std::string& file) {
    auto body = JsonBody::Parse(req_.body, {"content", "baseVersion"});
    if (!body) return ErrorResponse(body.error());
    auto content = body->RequiredString("content");
    if (!content) return ErrorResponse(content.error());
    auto base = body->OptionalInt("baseVersion", 0, INT64_MAX);
    if (!base) return ErrorResponse(base.error());
    auto guard = Guard(req_, *base);
    if (!guard) return ErrorResponse(guard.error());
    return Reply(sync_.docs().Put(caller, id, file, *content, *guard),
                 [](DocWriteResult w) { return DocResponse(w.created ? 201 : 200, w.doc); });
  }

  Response DeleteDoc(const Caller& caller, const std::string& id, const std::string& file) {
    if (!req_.body.empty()) return ErrorResponse(Status::InvalidArgument("DELETE takes no body"));
    auto guard = Guard(req_, std::nullopt);
    if (!guard) return ErrorResponse(guard.error());
    Status st = sync_.docs().Delete(caller, id, file, *guard);
    return st.ok() ? JsonResponse(200, object{{"deleted", true}}) : ErrorResponse(st);
  }

  Response Revert(const Caller& caller, const std::string& id, const std::string& file) {
    auto body = JsonBody::Parse(req_.body, {"version"});
    if (!body) return ErrorResponse(body.error());
    auto version = body->OptionalInt("version", 1, INT64_MAX);
    if (!version) return ErrorResponse(version.error());
    if (!*version) return ErrorResponse(Status::InvalidArgument("field 'version' is required"));
    auto guard = Guard(req_, std::nullopt);
    if (!guard) return ErrorResponse(guard.error());
    return Reply(sync_.docs().Revert(caller, id, file, **version, *guard),
                 [](DocWriteResult w) { return DocResponse(200, w.doc); });
  }

  // --- git sync ---------------------------------------------------------------------
  Response Import(const Caller& caller, const std::string& id) {
    ImportRequest request;
    if (!req_.body.empty()) {
      auto body = JsonBody::Parse(req_.body, {"path", "recursive"});
      if (!body) return ErrorResponse(body.error());
      auto path = body->OptionalString("path");
      auto recursive = body->OptionalBool("recursive");
      if (!path) return ErrorResponse(path.error());
      if (!recursive) return ErrorResponse(recursive.error());
      request.path = *path;
      request.recursive = recursive->value_or(true);
    }
    request.lock_token = LockToken(req_);
    return Reply(git_->Import(caller, id, request), [](ImportReport r) { return JsonResponse(200, ImportJson(r)); });
  }

  Response Push(const Caller& caller, const std::string& id, std::optional<std::string> file) {
    ExportRequest request{std::move(file), LockToken(req_)};
    return Reply(git_->Export(caller, id, request), [](ExportReport r) { return JsonResponse(200, ExportJson(r)); });
  }

  // --- locks ------------------------------------------------------------------------
  Response LockRoutes(const std::string& id) {
    auto& s = target_.segments;
    if (s.size() == 3) {
      if (req_.method == "GET") {
        return WithCaller([&](const Caller& c) {
          return Reply(sync_.locks().Get(c, id), [](std::optional<Lock> lock) {
            return JsonResponse(200, lock ? value(LockJson(*lock)) : value(nullptr));
          });
        });
      }
      if (req_.method == "POST") return WithCaller([&](const Caller& c) { return Acquire(c, id); });
      if (req_.method == "DELETE") return WithCaller([&](const Caller& c) { return Release(c, id); });
      return MethodNotAllowed("GET, POST, DELETE");
    }
    if (s.size() == 4 && s[3] == "extend") {
      return Only("POST", [&] { return WithCaller([&](const Caller& c) { return Extend(c, id); }); });
    }
    if (s.size() == 4 && s[3] == "verify") {
      return Only("GET", [&] {
        return WithCaller([&](const Caller& c) {
          return Reply(sync_.locks().Verify(c, id, req_.Header("x-lock-token")), [](LockOwnership o) {
            const char* status = o == LockOwnership::kOurs ? "ours" : o == LockOwnership::kTheirs ? "theirs" : "none";
            return JsonResponse(200, object{{"status", status}});
          });
        });
      });
    }
    return NoRoute();
  }

  Response Acquire(const Caller& caller, const std::string& id) {
    auto body = JsonBody::Parse(req_.body, {"lockedBy", "reason", "ttlSeconds"});
    if (!body) return ErrorResponse(body.error());
    auto locked_by = body->RequiredString("lockedBy");
    auto reason = body->OptionalString("reason");
    auto ttl = body->OptionalInt("ttlSeconds", 1, kMaxTtlSeconds);
    for (const Status& st : {locked_by.status(), reason.status(), ttl.status()}) {
      if (!st.ok()) return ErrorResponse(st);
    }
    LockRequest request{*locked_by, reason->value_or(""), std::nullopt, LockToken(req_)};
    if (*ttl) request.ttl = std::chrono::seconds(**ttl);
    return Reply(sync_.locks().Acquire(caller, id, request), [](LockGrant g) {
      object o = LockJson(g.lock);
      o["token"] = g.token;  // the only response that ever carries it
      o["renewed"] = g.renewed;
      return JsonResponse(g.renewed ? 200 : 201, o);
    });
  }

  Response Extend(const Caller& caller, const std::string& id) {
    std::optional<Duration> ttl;
    if (!req_.body.empty()) {
      auto body = JsonBody::Parse(req_.body, {"minutes", "ttlSeconds"});
      if (!body) return ErrorResponse(body.error());
      auto minutes = body->OptionalInt("minutes", 1, kMaxTtlSeconds / 60);
      auto seconds = body->OptionalInt("ttlSeconds", 1, kMaxTtlSeconds);
      if (!minutes) return ErrorResponse(minutes.error());
      if (!seconds) return ErrorResponse(seconds.error());
      if (*minutes && *seconds) return ErrorResponse(Status::InvalidArgument("send minutes or ttlSeconds, not both"));
      if (*minutes) ttl = std::chrono::minutes(**minutes);
      if (*seconds) ttl = std::chrono::seconds(**seconds);
    }
    return Reply(sync_.locks().Extend(caller, id, req_.Header("x-lock-token"), ttl),
                 [](Lock l) { return JsonResponse(200, LockJson(l)); });
  }

  Response Release(const Caller& caller, const std::string& id) {
    const auto force = target_.query.find("force");
    if (force != target_.query.end() && force->second == "true") {
      const auto reason = target_.query.find("reason");
      return Reply(sync_.locks().ForceRelease(caller, id, reason == target_.query.end() ? "" : reason->second),
                   [](bool released) { return JsonResponse(200, object{{"released", released}}); });
    }
    return Reply(sync_.locks().Release(caller, id, req_.Header("x-lock-token")),
                 [](bool released) { return JsonResponse(200, object{{"released", released}}); });
  }

  SyncService& sync_;
  GitSyncService* git_;
  const ApiOptions& options_;
  const Request& req_;
  Target target_;
};

}  // namespace

namespace {

/// The event stream's addresses: "/api/projects/<id>/events" (the id percent-encoded in
/// the path) and "/api/events?projectId=<id>" (decoded with the query). Returns whether
/// the target is one, and the decoded id (nullopt when it is malformed or missing).
bool IsEventStreamTarget(const Target& target) {
  const auto& s = target.segments;
  return (s.size() == 4 && s[0] == "api" && s[1] == "projects" && s[3] == "events") ||
         (s.size() == 2 && s[0] == "api" && s[1] == "events");
}

Result<std::string> EventStreamProject(const Target& target) {
  const auto& s = target.segments;
  if (s.size() == 2) {
    auto id = target.query.find("projectId");
    if (id == target.query.end() || id->second.empty()) return Status::InvalidArgument("projectId is required");
    return id->second;
  }
  auto id = PercentDecode(s[2]);
  if (!id) return Status::InvalidArgument("malformed percent-encoding in the path");
  return *id;
}

Result<std::int64_t> ParseSeq(std::string_view text, std::string_view what) {
  std::int64_t seq = -1;
  if (std::from_chars(text.data(), text.data() + text.size(), seq).ptr != text.data() + text.size() || seq < 0) {
    return Status::InvalidArgument(std::string(what) + " must be a non-negative event seq");
  }
  return seq;
}

}  // namespace

bool Api::IsAdmin(const Request& request) const {
  auto caller = Router(sync_, git_sync_, options_, request).AuthenticateOnly();
  return caller && caller->is_admin();
}

bool Api::WaitsOnGitRemote(const Request& request) const {
  if (!git_sync_ || request.method != "POST") return false;
  const std::string_view route = RouteTemplate(request.target);
  return route == "/api/projects/:id/push" || route == "/api/projects/:id/docs/sync" ||
         route == "/api/projects/:id/docs/:fileName/push";
}

bool Api::IsEventStream(const Request& request) const {
  // Both addresses end in "/events"; every other request is settled without parsing.
  const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (request.method != "GET" || !path.ends_with("/events")) return false;
  auto target = ParseTarget(request.target);
  return target && IsEventStreamTarget(*target);
}

Result<EventStream> Api::OpenEventStream(const Request& request) const {
  auto target = ParseTarget(request.target);
  if (!target) return Status::InvalidArgument("malformed request target");
  if (!IsEventStreamTarget(*target)) return Status::NotFound("no such route");
  LIBSYNC_ASSIGN_OR_RETURN(const std::string project_id, EventStreamProject(*target));
  // Browsers' EventSource and WebSocket cannot send headers: a `token` query parameter
  // stands in.
  Request with_credentials = request;
  if (auto token = target->query.find("token"); token != target->query.end()) {
    if (token->second.rfind("sk_", 0) == 0) {
      with_credentials.headers.emplace_back("x-api-key", token->second);
    } else {
      with_credentials.headers.emplace_back("authorization", "Bearer " + token->second);
    }
  }
  auto caller = Router(sync_, git_sync_, options_, with_credentials).AuthenticateOnly();
  if (!caller) return caller.error();
  EventStream stream{*caller, project_id, 0};
  std::optional<std::int64_t> since;
  if (const auto last = request.Header("last-event-id"); !last.empty()) {
    LIBSYNC_ASSIGN_OR_RETURN(since, ParseSeq(last, "Last-Event-ID"));
  } else if (auto q = target->query.find("since"); q != target->query.end()) {
    LIBSYNC_ASSIGN_OR_RETURN(since, ParseSeq(q->second, "since"));
  }
  // Head checks access (before the transport subscribes) and gives the live start; a seq
  // the log no longer holds, or one past the head, fails in Replay with kGone.
  LIBSYNC_ASSIGN_OR_RETURN(const std::int64_t head, sync_.events().Head(*caller, project_id));
  stream.last_seq = since.value_or(head);
  return stream;
}

Result<std::vector<Event>> Api::Replay(const EventStream& stream) const {
  std::vector<Event> out;
  std::int64_t after = stream.last_seq;
  for (;;) {
    LIBSYNC_ASSIGN_OR_RETURN(EventPage page, sync_.events().Since(stream.caller, stream.project_id, after));
    if (page.events.empty()) return out;
    after = page.events.back().seq;
    for (auto& e : page.events) out.push_back(std::move(e));
  }
}

std::optional<Response> Api::HandleCached(const Request& request) const {
  try {
    return Router(sync_, git_sync_, options_, request).RouteCached();
  } catch (const std::exception&) {
    return std::nullopt;  // Handle will answer it properly
  }
}

Response Api::Handle(const Request& request) const {
  try {
    return Router(sync_, git_sync_, options_, request).Route();
  } catch (const std::exception& e) {
    return ErrorResponse(Status::Internal(e.what(), "http"));
  }
}

}  // namespace libsync::web
