// `aitk hook guard`: the Claude Code PreToolUse hook that keeps the assistant from editing
// the pulled docs in place. Such edits would be overwritten by the next pull and never
// reach the team; docs change through the platform (aitk push) under the project's lock.

#include <boost/json.hpp>

#include <iostream>
#include <iterator>

#include "commands.hpp"
#include "docs_folder.hpp"

namespace aitk {

int RunGuardHook(const Config& config) {
  // Claude Code sends {"tool_name": ..., "tool_input": {"file_path": ...}, ...} on stdin.
  const std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  boost::system::error_code ec;
  const boost::json::value event = boost::json::parse(input, ec);
  if (ec || !event.is_object()) {
    std::cerr << "aitk hook guard: expected the hook's JSON on stdin\n";
    return kExitFailed;  // a non-blocking error: the tool call goes ahead
  }
  const auto* tool_input = event.as_object().if_contains("tool_input");
  if (!tool_input || !tool_input->is_object()) return kExitOk;
  // A docs folder setting no pull accepts (the project folder, a place outside it) holds no
  // synced docs to guard: blocking there would block every edit of the project.
  if (libsync::Status problem = DocsFolderProblem(config); !problem.ok()) {
    std::cerr << "aitk hook guard: " << problem.message() << "; no docs folder to guard\n";
    return kExitOk;
  }
  const DocsFolder folder(config.docs_dir);
  for (const char* field : {"file_path", "notebook_path", "path"}) {
    const auto* path = tool_input->as_object().if_contains(field);
    if (!path || !path->is_string()) continue;
    std::filesystem::path target(std::string(path->as_string()));
    if (target.is_relative()) target = config.project_dir / target;
    if (folder.FileNameOf(target)) {
      std::cerr << "Blocked: " << target.string() << " is inside " << folder.dir().string()
                << ", the team's synced docs, which are read-only here (the next pull would overwrite "
                << "the edit). Change docs through the platform: edit a copy and run `aitk push FILE --name "
                << *folder.FileNameOf(target) << "` while holding the lock (`aitk lock acquire`).\n";
      return kExitUsage;  // 2: Claude Code blocks the tool call and shows this to the assistant
    }
  }
  return kExitOk;
}

}  // namespace aitk
