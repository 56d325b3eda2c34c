#pragma once
// The doc GET's answer as the hook cache keeps it. A server that gives this renderer to its
// hook cache (HookCacheOptions::render_doc) answers GET /api/projects/:id/docs/:fileName
// from memory with bytes formatted once per fill; with any other renderer (or none) that
// route reads the store, as without a cache.

#include <string>

#include "libsync/model/doc.hpp"

namespace libsync::web {

/// The body of the 200 answer to a doc GET, byte for byte what the route sends for `doc`
/// when it reads the store. A libsync::DocRenderer.
std::string RenderDocAnswer(const Doc& doc);

}  // namespace libsync::web
