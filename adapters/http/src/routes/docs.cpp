// /api/projects/:id/docs and a doc's own routes (content, history, versions, revert):
// DocService. Git import and push of docs are in git.cpp.

#include <algorithm>
#include <charconv>

#include "../json_body.hpp"
#include "handlers.hpp"
#include "libsync/http/doc_answer.hpp"
#include "libsync/validation.hpp"

namespace libsync::web {
namespace {

/// Docs per page when `limit` is not given, and the most one page may hold: a page of
/// metadata is ~150 bytes a doc, so the largest is ~150 KB.
constexpr std::size_t kDefaultDocPage = 500;
constexpr std::size_t kMaxDocPage = 1000;

struct DocPageQuery {
  std::size_t limit = kDefaultDocPage;
  std::string after;  ///< empty: from the first doc
};

/// `?fields=meta[&limit=N][&after=<fileName>]`. Nullopt when the query asks for the list
/// with contents (no query at all: the original clients' shape). Any other parameter is
/// refused with or without these, so a misspelt `field=meta` is not answered with every
/// doc's text.
Result<std::optional<DocPageQuery>> ReadDocPageQuery(const Target& target) {
  const auto& q = target.query;
  for (const auto& [name, value] : q) {
    if (name != "fields" && name != "limit" && name != "after") {
      return Status::InvalidArgument("unknown query parameter '" + name + "' (fields, limit, after)");
    }
  }
  if (q.empty()) return std::optional<DocPageQuery>();
  const auto fields = q.find("fields");
  if (fields == q.end() || fields->second != "meta") {
    return Status::InvalidArgument("a paged doc list needs fields=meta");
  }
  DocPageQuery page;
  if (const auto limit = q.find("limit"); limit != q.end()) {
    const std::string& text = limit->second;
    std::size_t n = 0;
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || n < 1 ||
        n > kMaxDocPage) {
      return Status::InvalidArgument("limit must be a whole number from 1 to " + std::to_string(kMaxDocPage));
    }
    page.limit = n;
  }
  if (const auto after = q.find("after"); after != q.end()) {
    // A doc name as the store holds them: anything else names no position in the list.
    if (Status valid = ValidateStoredFileName(after->second); !valid.ok()) {
      return Status::InvalidArgument("after must be a doc name: " + valid.message());
    }
    page.after = after->second;
  }
  return std::optional<DocPageQuery>(std::move(page));
}

/// {"docs":[{fileName, version, hash, updatedAt}…], "next": <last fileName> | null}:
/// the docs after `query.after` by fileName bytewise, at most `query.limit` of them.
Response DocPageResponse(const std::vector<DocSummary>& all, const DocPageQuery& query) {
  auto from = all.begin();
  if (!query.after.empty()) {
    from = std::upper_bound(all.begin(), all.end(), query.after,
                            [](const std::string& after, const DocSummary& d) { return after < d.file_name; });
  }
  const auto left = static_cast<std::size_t>(all.end() - from);
  const auto to = from + static_cast<std::ptrdiff_t>(std::min(left, query.limit));
  boost::json::array docs;
  docs.reserve(static_cast<std::size_t>(to - from));
  for (auto d = from; d != to; ++d) {
    docs.push_back(boost::json::object{{"fileName", d->file_name},
                                       {"version", d->version},
                                       {"hash", d->hash},
                                       {"updatedAt", FormatTimestamp(d->updated_at)}});
  }
  boost::json::value next = nullptr;
  if (to != all.end() && to != from) next = std::prev(to)->file_name;
  return JsonResponse(200, boost::json::object{{"docs", std::move(docs)}, {"next", std::move(next)}});
}

/// The cache holds this route's answers only when it renders them (RenderDocAnswer); any
/// other cache's bytes are not a doc GET's body, and the route reads the store instead.
bool KeepsDocAnswers(const HookCache& cache) { return cache.doc_renderer() == &RenderDocAnswer; }

/// A kept answer with the headers DocResponse gives it (same names, same order).
Response KeptDocResponse(RenderedDoc d) {
  Response r = JsonResponse(200, std::move(d.bytes));
  r.headers.emplace_back("etag", DocETag(d.version));
  return r;
}

}  // namespace

std::string RenderDocAnswer(const Doc& doc) { return DocResponse(200, doc).body; }

Response ListDocs(RouteCall& call) {
  auto page = ReadDocPageQuery(call.target);
  if (!page) return ErrorResponse(page.error());
  if (*page) {
    return Reply(call.sync.docs().ListSummaries(call.by(), call.id),
                 [&](std::vector<DocSummary> all) { return DocPageResponse(all, **page); });
  }
  return Reply(call.sync.docs().List(call.by(), call.id), [](std::vector<Doc> docs) { return DocListResponse(docs); });
}

Response GetDoc(RouteCall& call) {
  const auto respond = [](Doc d) { return DocResponse(200, d); };
  if (HookCache* cache = call.options.hook_cache; cache && KeepsDocAnswers(*cache)) {
    // kKeyCheckedInTheRead: without a caller, the router left the key to this handler.
    if (!call.caller) {
      auto caller = cache->Authenticate(KeyWithoutAdminToken(call.request));
      if (!caller) return ErrorResponse(caller.error());
      call.caller = std::move(*caller);
    }
    return Reply(cache->GetDoc(call.by(), call.id, call.file),
                 [](RenderedDoc d) { return KeptDocResponse(std::move(d)); });
  }
  // kKeyCheckedInTheRead: without a caller, the router left the key to the read itself.
  if (!call.caller) {
    return Reply(call.sync.docs().GetWithKeyInOneTransaction(KeyWithoutAdminToken(call.request), call.id, call.file), respond);
  }
  return Reply(call.sync.docs().Get(call.by(), call.id, call.file), respond);
}

std::optional<Response> DocFromCache(HookCache& cache, const Caller& caller, const std::string& project_id,
                                     std::string_view file_name) {
  if (!KeepsDocAnswers(cache)) return std::nullopt;
  auto doc = cache.PeekDoc(caller, project_id, file_name);
  if (!doc) return std::nullopt;
  if (!*doc) return ErrorResponse(doc->error());
  return KeptDocResponse(std::move(**doc));
}

Response PutDoc(RouteCall& call) {
  auto body = JsonBody::Parse(call.request.body, {"content", "baseVersion", "source", "resolves"});
  if (!body) return ErrorResponse(body.error());
  auto content = body->RequiredString("content");
  if (!content) return ErrorResponse(content.error());
  auto base = body->OptionalInt("baseVersion", 0, INT64_MAX);
  if (!base) return ErrorResponse(base.error());
  auto guard = Guard(call.request, *base);
  if (!guard) return ErrorResponse(guard.error());
  auto source = body->OptionalString("source");
  if (!source) return ErrorResponse(source.error());
  VersionSource recorded = VersionSource::kApi;
  if (*source && (!ParseSource(**source, &recorded) || (recorded != VersionSource::kApi && recorded != VersionSource::kWeb))) {
    return ErrorResponse(Status::InvalidArgument("source must be \"api\" or \"web\""));
  }
  auto resolves = body->OptionalString("resolves");
  if (!resolves) return ErrorResponse(resolves.error());
  guard->resolves = std::move(*resolves);
  return Reply(call.sync.docs().Put(call.by(), call.id, call.file, *content, *guard, recorded),
               [](DocWriteResult w) { return DocResponse(w.created ? 201 : 200, w.doc); });
}

Response DeleteDoc(RouteCall& call) {
  if (!call.request.body.empty()) return ErrorResponse(Status::InvalidArgument("DELETE takes no body"));
  auto guard = Guard(call.request, std::nullopt);
  if (!guard) return ErrorResponse(guard.error());
  return DeletedOr(call.sync.docs().Delete(call.by(), call.id, call.file, *guard));
}

Response DocHistory(RouteCall& call) {
  return Reply(call.sync.docs().History(call.by(), call.id, call.file), [](std::vector<DocVersion> versions) {
    boost::json::array out;
    for (const auto& v : versions) out.push_back(VersionJson(v, false));
    return JsonResponse(200, out);
  });
}

Response DocVersionAt(RouteCall& call) {
  return Reply(call.sync.docs().Version(call.by(), call.id, call.file, call.number),
               [](DocVersion v) { return JsonResponse(200, VersionJson(v, true)); });
}

Response RevertDoc(RouteCall& call) {
  auto body = JsonBody::Parse(call.request.body, {"version"});
  if (!body) return ErrorResponse(body.error());
  auto version = body->OptionalInt("version", 1, INT64_MAX);
  if (!version) return ErrorResponse(version.error());
  if (!*version) return ErrorResponse(Status::InvalidArgument("field 'version' is required"));
  auto guard = Guard(call.request, std::nullopt);
  if (!guard) return ErrorResponse(guard.error());
  return Reply(call.sync.docs().Revert(call.by(), call.id, call.file, **version, *guard),
               [](DocWriteResult w) { return DocResponse(200, w.doc); });
}

Response ListConflicts(RouteCall& call) {
  return Reply(call.sync.docs().Conflicts(call.by(), call.id), [](std::vector<ConflictView> conflicts) {
    boost::json::array out;
    for (const auto& c : conflicts) out.push_back(ConflictJson(c));
    return JsonResponse(200, out);
  });
}

}  // namespace libsync::web
