#include "status_json.hpp"

#include <boost/json.hpp>

#include "docs_folder.hpp"
#include "emit_targets.hpp"

namespace aitk {
namespace {

namespace json = boost::json;

json::array EmitList(const Config& config) {
  json::array out;
  if (auto targets = ParseEmitTargets(config.emit)) {
    for (EmitTarget t : *targets) out.emplace_back(std::string(EmitTargetName(t)));
  }
  return out;
}

json::object Docs(const Config& config, const std::string& local_hash) {
  return {{"dir", config.docs_dir.string()},
          {"count", DocsFolder(config.docs_dir).DocCount()},
          {"localHash", local_hash.empty() ? json::value(nullptr) : json::value(local_hash)}};
}

}  // namespace

std::string StatusJson(const Config& config, const LockState& lock, const std::string& server_hash,
                       const std::string& local_hash, std::size_t doc_count) {
  json::object docs = Docs(config, local_hash);
  docs["count"] = doc_count;
  docs["serverHash"] = server_hash;
  docs["current"] = local_hash == server_hash;
  json::value lock_value = nullptr;
  if (lock.locked) {
    lock_value = json::object{{"lockedBy", lock.locked_by},
                              {"lockedAt", lock.locked_at},
                              {"expiresAt", lock.expires_at},
                              {"reason", lock.reason}};
  }
  return json::serialize(json::object{{"projectId", config.project_id},
                                      {"url", config.url},
                                      {"locked", lock.locked},
                                      {"lock", lock_value},
                                      {"docs", docs},
                                      {"emit", EmitList(config)}});
}

std::string StatusErrorJson(const Config& config, const libsync::Status& error) {
  return json::serialize(json::object{{"projectId", config.project_id},
                                      {"url", config.url},
                                      {"error", error.message()},
                                      {"docs", Docs(config, DocsFolder(config.docs_dir).SyncedHash())},
                                      {"emit", EmitList(config)}});
}

}  // namespace aitk
